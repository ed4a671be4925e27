#!/usr/bin/env bash
# Installs the Debian packages Skiff's tests and benchmarks use. Idempotent; needs root.
#   etcd-server, etcd-client       the HA datastore backend (tests start a real etcd on loopback)
#   runc, conmon                    the container runtime and its per-container monitor (CRI-O's)
#   containernetworking-plugins     CNI bridge, host-local, loopback, portmap for pod networks
#   iptables, iproute2, procps      Services (kube-proxy iptables mode), routes, network namespaces, sysctl
#   docker-registry                 an OCI registry the end-to-end tests push their image to
#   busybox-static                  the test image's only binary
#   conntrack                       clears stale UDP flows after Service endpoints change (as kube-proxy)
#   socat                           carries `kubectl attach -i` input to conmon's SOCK_SEQPACKET attach socket
set -euo pipefail

packages=(etcd-server etcd-client runc conmon containernetworking-plugins iptables iproute2 procps docker-registry busybox-static socat conntrack)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-host-deps: run as root (or with sudo) to install: ${packages[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
# The etcd package starts a system etcd where systemd runs; tests start their own.
# Likewise the registry: tests start their own on a free port.
for unit in etcd docker-registry; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$unit" 2>/dev/null; then
    systemctl stop "$unit" || true
  fi
done
echo "install-host-deps: installed ${packages[*]}"
