#!/usr/bin/env bash
# Installs the Debian packages Skiff's tests and benchmarks use. Idempotent; needs root.
#   etcd-server, etcd-client  the HA datastore backend (tests start a real etcd on loopback)
set -euo pipefail

packages=(etcd-server etcd-client)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-host-deps: run as root (or with sudo) to install: ${packages[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
# The package starts a system etcd where systemd runs; tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
  systemctl stop etcd || true
fi
echo "install-host-deps: installed ${packages[*]}"
