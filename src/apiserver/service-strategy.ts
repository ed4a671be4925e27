// Services: upstream's defaults and validation, ClusterIP and NodePort allocation.

import { isObject, type KubeObject } from '../api/types.js';
import type { Strategy } from './registry/strategy.js';
import { AllocationError, type ServiceAllocator } from './service-allocator.js';
import { newInvalid, type FieldCause } from './status.js';
import { dns1123LabelProblems } from './strategies.js';

type Port = Record<string, unknown>;

function specOf(obj: KubeObject): Record<string, unknown> {
  if (!isObject(obj.spec)) obj.spec = {};
  return obj.spec as Record<string, unknown>;
}

function portsOf(spec: Record<string, unknown>): Port[] {
  return Array.isArray(spec.ports) ? (spec.ports.filter(isObject) as Port[]) : [];
}

function needsNodePorts(type: unknown): boolean {
  return type === 'NodePort' || type === 'LoadBalancer';
}

function owner(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function invalid(obj: KubeObject, field: string, value: unknown, detail: string): never {
  throw newInvalid({ group: '', kind: 'Service' }, obj.metadata?.name ?? '', [
    { type: 'FieldValueInvalid', field, message: `${field}: Invalid value: ${JSON.stringify(value)}: ${detail}` },
  ]);
}

function defaults(obj: KubeObject): void {
  const spec = specOf(obj);
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  if (needsNodePorts(spec.type)) spec.externalTrafficPolicy ??= 'Cluster';
  for (const port of portsOf(spec)) {
    port.protocol ??= 'TCP';
    if (port.targetPort === undefined && typeof port.port === 'number') port.targetPort = port.port;
  }
}

function validate(obj: KubeObject): FieldCause[] {
  const errors: FieldCause[] = [];
  const spec = specOf(obj);
  const ports = portsOf(spec);
  const headless = spec.clusterIP === 'None';
  if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(String(spec.type))) {
    errors.push({ type: 'FieldValueNotSupported', field: 'spec.type', message: `spec.type: Unsupported value: ${JSON.stringify(spec.type)}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"` });
  }
  if (spec.type === 'ExternalName' && !spec.externalName) errors.push({ type: 'FieldValueRequired', field: 'spec.externalName', message: 'spec.externalName: Required value' });
  if (spec.type !== 'ExternalName' && !headless && ports.length === 0) errors.push({ type: 'FieldValueRequired', field: 'spec.ports', message: 'spec.ports: Required value' });
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !port.name) errors.push({ type: 'FieldValueRequired', field: `${path}.name`, message: `${path}.name: Required value` });
    if (typeof port.name === 'string' && port.name) {
      if (names.has(port.name)) errors.push({ type: 'FieldValueDuplicate', field: `${path}.name`, message: `${path}.name: Duplicate value: ${JSON.stringify(port.name)}` });
      names.add(port.name);
      for (const problem of dns1123LabelProblems(port.name)) errors.push({ type: 'FieldValueInvalid', field: `${path}.name`, message: `${path}.name: Invalid value: ${JSON.stringify(port.name)}: ${problem}` });
    }
    if (typeof port.port !== 'number' || !Number.isInteger(port.port) || port.port < 1 || port.port > 65535) {
      errors.push({ type: 'FieldValueInvalid', field: `${path}.port`, message: `${path}.port: Invalid value: ${JSON.stringify(port.port ?? 0)}: must be between 1 and 65535, inclusive` });
    }
    if (!['TCP', 'UDP', 'SCTP'].includes(String(port.protocol))) {
      errors.push({ type: 'FieldValueNotSupported', field: `${path}.protocol`, message: `${path}.protocol: Unsupported value: ${JSON.stringify(port.protocol)}: supported values: "SCTP", "TCP", "UDP"` });
    }
    if (port.nodePort !== undefined && !needsNodePorts(spec.type)) {
      errors.push({ type: 'FieldValueForbidden', field: `${path}.nodePort`, message: `${path}.nodePort: Forbidden: may not be used when \`type\` is '${String(spec.type)}'` });
    }
  });
  return errors;
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldCause[] {
  const errors = validate(obj);
  const spec = specOf(obj);
  const oldSpec = specOf(old);
  if (oldSpec.clusterIP && spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== oldSpec.clusterIP && oldSpec.type === spec.type) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `spec.clusterIPs[0]: Invalid value: ${JSON.stringify([spec.clusterIP])}: may not change once set` });
  }
  return errors;
}

export function serviceStrategy(allocator: ServiceAllocator): Strategy {
  return {
    generationTracksSpec: false,
    defaults,
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
    },
    prepareForUpdate(obj, old) {
      // Keep allocated values the client did not send (kubectl apply omits them).
      const spec = specOf(obj);
      const oldSpec = specOf(old);
      if ((spec.clusterIP === undefined || spec.clusterIP === '') && oldSpec.clusterIP && spec.type !== 'ExternalName') {
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = oldSpec.clusterIPs;
      }
      if (needsNodePorts(spec.type) && needsNodePorts(oldSpec.type)) {
        const oldPorts = portsOf(oldSpec);
        for (const port of portsOf(spec)) {
          if (port.nodePort !== undefined) continue;
          const same = oldPorts.find((p) => p.port === port.port && p.protocol === port.protocol);
          if (same?.nodePort !== undefined) port.nodePort = same.nodePort;
        }
      }
    },
    validate,
    validateUpdate,
    async allocate(obj, old) {
      const spec = specOf(obj);
      const undo: Array<() => Promise<void>> = [];
      const id = owner(obj);
      try {
        if (spec.type === 'ExternalName') {
          delete spec.clusterIP;
          delete spec.clusterIPs;
        } else if (spec.clusterIP === 'None') {
          spec.clusterIPs = ['None'];
        } else if (!old || specOf(old).clusterIP !== spec.clusterIP || !spec.clusterIP) {
          let ip = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
          if (ip) await allocator.clusterIPs.allocate(ip, id).catch((err: unknown) => failed(obj, 'spec.clusterIPs', [ip], err, `failed to allocate IP ${ip}`));
          else ip = await allocator.clusterIPs.allocateNext(id).catch((err: unknown) => failed(obj, 'spec.clusterIPs', [], err, 'failed to allocate a serviceIP'));
          const allocated = ip;
          undo.push(() => allocator.clusterIPs.release(allocated, id));
          spec.clusterIP = ip;
          spec.clusterIPs = [ip];
        }
        if (spec.type !== 'ExternalName') {
          spec.ipFamilies ??= ['IPv4'];
          spec.ipFamilyPolicy ??= 'SingleStack';
        }
        if (needsNodePorts(spec.type)) {
          for (const [i, port] of portsOf(spec).entries()) {
            const wanted = port.nodePort;
            if (typeof wanted === 'number') {
              await allocator.nodePorts.allocate(String(wanted), id).catch((err: unknown) => failed(obj, `spec.ports[${i}].nodePort`, wanted, err, ''));
            } else {
              port.nodePort = Number(await allocator.nodePorts.allocateNext(id).catch((err: unknown) => failed(obj, `spec.ports[${i}].nodePort`, 0, err, 'failed to allocate a nodePort')));
            }
            const allocated = String(port.nodePort);
            undo.push(() => allocator.nodePorts.release(allocated, id));
          }
        }
      } catch (err) {
        for (const step of undo.reverse()) await step().catch(() => {});
        throw err;
      }
      return async () => {
        for (const step of undo.reverse()) await step().catch(() => {});
      };
    },
    async release(old, obj) {
      const id = owner(old);
      const oldSpec = specOf(old);
      const spec = obj ? specOf(obj) : {};
      if (typeof oldSpec.clusterIP === 'string' && oldSpec.clusterIP && oldSpec.clusterIP !== 'None' && spec.clusterIP !== oldSpec.clusterIP) {
        await allocator.clusterIPs.release(oldSpec.clusterIP, id);
      }
      const kept = new Set(needsNodePorts(spec.type) ? portsOf(spec).map((p) => String(p.nodePort)) : []);
      for (const port of portsOf(oldSpec)) {
        if (port.nodePort !== undefined && !kept.has(String(port.nodePort))) await allocator.nodePorts.release(String(port.nodePort), id);
      }
    },
  };
}

function failed(obj: KubeObject, field: string, value: unknown, err: unknown, prefix: string): never {
  if (err instanceof AllocationError) invalid(obj, field, value, prefix ? `${prefix}: ${err.message}` : err.message);
  throw err;
}
