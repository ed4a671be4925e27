// Controller references as pkg/controller's ControllerRefManager handles them: the
// controlling owner of an object, and claiming (adopting matching orphans, releasing
// owned objects that stopped matching) before a controller acts on what it owns.

import type { KubeObject, OwnerReference } from '../../api/types.js';
import { apiVersionOfType, isInvalid, isNotFound, type ApiClient, type ResourceType } from '../../client/index.js';

/** metav1.GetControllerOf: the owner reference with controller=true. */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** metav1.NewControllerRef: a controlling, deletion-blocking reference to owner. */
export function newControllerRef(owner: KubeObject, ownerType: ResourceType): OwnerReference {
  return {
    apiVersion: apiVersionOfType(ownerType),
    kind: ownerType.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** ownerRefControllerPatch: the strategic merge patch making owner the controller of obj (uid: only this incarnation). */
export function adoptPatch(obj: KubeObject, owner: KubeObject, ownerType: ResourceType): unknown {
  return { metadata: { ownerReferences: [newControllerRef(owner, ownerType)], uid: obj.metadata?.uid } };
}

/** deleteOwnerRefStrategicMergePatch: the strategic merge patch removing owner's reference from obj. */
export function releasePatch(obj: KubeObject, owner: KubeObject): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: owner.metadata?.uid }], uid: obj.metadata?.uid } };
}

export interface LabelMatcher {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

/**
 * RecheckDeletionTimestamp over a fresh read: adoption is refused when the owner was
 * replaced (another uid) or is being deleted since the cache saw it.
 */
export function recheckOwner(client: ApiClient, ownerType: ResourceType, owner: KubeObject): () => Promise<void> {
  return async () => {
    const { namespace = '', name = '', uid } = owner.metadata ?? {};
    const fresh = await client.get(ownerType, namespace, name);
    if (fresh.metadata?.uid !== uid) throw new Error(`original ${ownerType.kind} ${namespace}/${name} is gone: got uid ${fresh.metadata?.uid}, wanted ${uid}`);
    if (fresh.metadata?.deletionTimestamp) throw new Error(`${namespace}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  };
}

/** BaseControllerRefManager + Pod/ReplicaSetControllerRefManager, for any owned kind. */
export class ControllerRefManager {
  private adoptionCheck: Promise<void> | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly owner: KubeObject,
    private readonly ownerType: ResourceType,
    private readonly selector: LabelMatcher,
    private readonly canAdoptCheck: () => Promise<void> = recheckOwner(client, ownerType, owner),
  ) {}

  /**
   * ClaimObjects: the objects the owner controls after adopting matching orphans and
   * releasing owned objects that no longer match. Every object is looked at; failures
   * are thrown afterwards (one, or an AggregateError).
   */
  async claim<T extends KubeObject>(type: ResourceType, objects: readonly T[], filter?: (obj: T) => boolean): Promise<T[]> {
    const ownerUid = this.owner.metadata?.uid;
    const ownerDeleting = Boolean(this.owner.metadata?.deletionTimestamp);
    const match = (obj: T) => this.selector.matches(obj.metadata?.labels ?? {}) && (!filter || filter(obj));
    const claimed: T[] = [];
    const errors: unknown[] = [];
    for (const obj of objects) {
      try {
        const ref = controllerRefOf(obj);
        if (ref) {
          if (ref.uid !== ownerUid) continue;
          if (match(obj)) claimed.push(obj);
          // Owned but no longer matching: release, unless the owner is going away.
          else if (!ownerDeleting) await this.release(type, obj);
          continue;
        }
        if (ownerDeleting || !match(obj) || obj.metadata?.deletionTimestamp) continue;
        if (this.owner.metadata?.namespace && this.owner.metadata.namespace !== obj.metadata?.namespace) continue;
        if (await this.adopt(type, obj)) claimed.push(obj);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
    return claimed;
  }

  /** Adopts obj; false when it is gone. */
  private async adopt(type: ResourceType, obj: KubeObject): Promise<boolean> {
    const { namespace = '', name = '' } = obj.metadata ?? {};
    this.adoptionCheck ??= this.canAdoptCheck();
    try {
      await this.adoptionCheck;
    } catch (err) {
      throw new Error(`can't adopt ${type.kind} ${namespace}/${name} (${obj.metadata?.uid}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    try {
      await this.client.patch(type, namespace, name, 'strategic', adoptPatch(obj, this.owner, this.ownerType));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async release(type: ResourceType, obj: KubeObject): Promise<void> {
    const { namespace = '', name = '' } = obj.metadata ?? {};
    try {
      await this.client.patch(type, namespace, name, 'strategic', releasePatch(obj, this.owner));
    } catch (err) {
      // Gone, or no longer carrying the reference: nothing to release.
      if (isNotFound(err) || isInvalid(err)) return;
      throw err;
    }
  }
}

/**
 * An informer index by controller: the controller's uid for controlled objects,
 * `orphan:<namespace>` for objects without a controller. Claiming only ever looks at
 * an owner's own objects and the orphans of its namespace, so that is all it reads.
 */
export const CONTROLLER_INDEX = 'common.controllerRef';

export function controllerIndexValues(obj: KubeObject): string[] {
  const ref = controllerRefOf(obj);
  return [ref ? ref.uid : `orphan:${obj.metadata?.namespace ?? ''}`];
}

interface IndexedCache<T> {
  addIndex(name: string, fn: (obj: T) => readonly string[]): void;
  byIndex(name: string, value: string): T[];
}

/** Adds CONTROLLER_INDEX to an informer (idempotent). */
export function indexByController<T extends KubeObject>(informer: IndexedCache<T>): void {
  informer.addIndex(CONTROLLER_INDEX, controllerIndexValues);
}

/** The cached objects owner controls plus the orphans of its namespace: the candidates to claim. */
export function claimCandidates<T extends KubeObject>(informer: IndexedCache<T>, owner: KubeObject): T[] {
  return [...informer.byIndex(CONTROLLER_INDEX, owner.metadata?.uid ?? ''), ...informer.byIndex(CONTROLLER_INDEX, `orphan:${owner.metadata?.namespace ?? ''}`)];
}

/** The cached objects controlled by the owner with this uid. */
export function controlledBy<T extends KubeObject>(informer: IndexedCache<T>, ownerUid: string): T[] {
  return informer.byIndex(CONTROLLER_INDEX, ownerUid);
}
