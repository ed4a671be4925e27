// The I/O half of the VolumeBinding plugin: listers over PVC, PV and StorageClass
// informers, the selected-node patch, and a wait for claims to become Bound that
// follows the PVC informer (with a deadline on the controller clock). The informer
// events also requeue pods the plugin turned away.

import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { KubeObject } from '../api/types.js';
import { Resources, type Disposable } from '../client/index.js';
import type { ControllerContext } from '../controllers/index.js';
import type { ClusterEvent } from './framework/types.js';
import { ANNOTATION_SELECTED_NODE, type ClaimKey, type VolumeBindingArgs } from './plugins/volumebinding/index.js';

export interface VolumeBinder {
  readonly args: VolumeBindingArgs;
  /** Ends pending waits (they report the scheduler stopped) and drops informer handlers. */
  stop(): void;
}

type Claim = PersistentVolumeClaim & KubeObject;

const isBound = (claim: Claim | undefined): boolean => claim?.status?.phase === 'Bound' && !!claim.spec?.volumeName;

export function volumeBindingArgs(ctx: ControllerContext, onClusterEvent: (event: ClusterEvent, oldObj: unknown, newObj: unknown) => void): VolumeBinder {
  const claims = ctx.informers.informer<Claim>(Resources.persistentvolumeclaims);
  const volumes = ctx.informers.informer<PersistentVolume & KubeObject>(Resources.persistentvolumes);
  const classes = ctx.informers.informer<StorageClass & KubeObject>(Resources.storageclasses);
  const waiters = new Set<() => void>();
  let stopped = false;

  const handles: Disposable[] = [
    claims.addHandlers({
      add: (obj) => onClusterEvent({ resource: 'PersistentVolumeClaim', action: 'Add' }, undefined, obj),
      update: (oldObj, newObj) => {
        onClusterEvent({ resource: 'PersistentVolumeClaim', action: 'Update' }, oldObj, newObj);
        for (const check of [...waiters]) check();
      },
    }),
    volumes.addHandlers({
      add: (obj) => onClusterEvent({ resource: 'PersistentVolume', action: 'Add' }, undefined, obj),
      update: (oldObj, newObj) => onClusterEvent({ resource: 'PersistentVolume', action: 'Update' }, oldObj, newObj),
    }),
    classes.addHandlers({
      add: (obj) => onClusterEvent({ resource: 'StorageClass', action: 'Add' }, undefined, obj),
      update: (oldObj, newObj) => onClusterEvent({ resource: 'StorageClass', action: 'Update' }, oldObj, newObj),
    }),
  ];

  const waitForBound = (keys: readonly ClaimKey[], timeoutMs: number): Promise<string | undefined> =>
    new Promise((resolve) => {
      if (stopped) return resolve('scheduler stopped');
      const finish = (outcome: string | undefined) => {
        waiters.delete(check);
        timer.cancel();
        resolve(outcome);
      };
      const check = () => {
        if (stopped) return finish('scheduler stopped');
        for (const key of keys) {
          const claim = claims.get(key.namespace, key.name);
          if (!claim) return finish(`persistentvolumeclaim "${key.name}" not found`);
          // Provisioning failed and the node choice was taken back: schedule again.
          if (!isBound(claim) && !claim.metadata?.annotations?.[ANNOTATION_SELECTED_NODE]) return finish(`selectedNode annotation reset for PVC "${key.name}"`);
          if (!isBound(claim)) return;
        }
        finish(undefined);
      };
      const timer = ctx.clock.setTimeout(() => finish('timed out waiting for the condition'), timeoutMs);
      waiters.add(check);
      check();
    });

  const args: VolumeBindingArgs = {
    claim: (namespace, name) => claims.get(namespace, name),
    volume: (name) => volumes.get('', name),
    storageClasses: () => classes.list(),
    selectNode: async (claim, nodeName) => {
      await ctx.client.patch(Resources.persistentvolumeclaims, claim.metadata?.namespace ?? '', claim.metadata?.name ?? '', 'merge', {
        metadata: { annotations: { [ANNOTATION_SELECTED_NODE]: nodeName } },
      });
    },
    waitForBound,
  };
  return {
    args,
    stop: () => {
      stopped = true;
      for (const check of [...waiters]) check();
      for (const handle of handles) handle.dispose();
    },
  };
}
