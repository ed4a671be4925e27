// history.Interface over the API: list a parent's ControllerRevisions from the
// informer cache, create them (bumping the collision count on a name taken by other
// data), renumber, delete, adopt and release them.

import type { ControllerRevision as RawControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../api/types.js';
import { isAlreadyExists, isConflict, Resources, type ApiClient, type Informer, type ResourceType } from '../../client/index.js';
import { adoptPatch, controllerRefOf, releasePatch, type LabelMatcher, type Typed } from '../common/index.js';
import { goJson } from '../common/index.js';
import { controllerRevisionName, hashControllerRevision } from './revision.js';

type ControllerRevision = Typed<RawControllerRevision>;

const UPDATE_ATTEMPTS = 5;

/** A collision count the history bumps when a revision name is taken by other data. */
export interface CollisionCount {
  value: number;
}

export class RevisionHistory {
  constructor(
    private readonly client: ApiClient,
    private readonly revisions: Informer<ControllerRevision>,
  ) {}

  /** ListControllerRevisions: revisions in parent's namespace matching selector, owned by parent or orphaned. */
  list(parent: KubeObject, selector: LabelMatcher): ControllerRevision[] {
    const uid = parent.metadata?.uid;
    return this.revisions.list(parent.metadata?.namespace ?? '').filter((cr) => {
      if (!selector.matches(cr.metadata?.labels ?? {})) return false;
      const ref = controllerRefOf(cr);
      return !ref || ref.uid === uid;
    });
  }

  /**
   * CreateControllerRevision: creates revision under `<parent>-<hash>`; a name taken by
   * equal data returns the existing one, taken by other data bumps collisionCount and retries.
   */
  async create(parent: KubeObject, revision: ControllerRevision, collisionCount: CollisionCount): Promise<ControllerRevision> {
    const namespace = parent.metadata?.namespace ?? '';
    for (;;) {
      const hash = hashControllerRevision(revision, collisionCount.value);
      const clone = structuredClone(revision);
      clone.metadata = { ...clone.metadata, name: controllerRevisionName(parent.metadata?.name ?? '', hash), namespace };
      try {
        return await this.client.create<ControllerRevision>(Resources.controllerrevisions, namespace, clone);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const existing = await this.client.get<ControllerRevision>(Resources.controllerrevisions, namespace, clone.metadata.name!);
        if (goJson(existing.data ?? null) === goJson(clone.data ?? null)) return existing;
        collisionCount.value++;
      }
    }
  }

  /** UpdateControllerRevision: gives revision a new revision number, retrying on conflicts. */
  async updateRevision(revision: ControllerRevision, newRevision: number): Promise<ControllerRevision> {
    let current = revision;
    for (let attempt = 1; ; attempt++) {
      if (current.revision === newRevision) return current;
      const clone = structuredClone(current);
      clone.revision = newRevision;
      try {
        return await this.client.update<ControllerRevision>(Resources.controllerrevisions, clone.metadata?.namespace ?? '', clone);
      } catch (err) {
        if (!isConflict(err) || attempt >= UPDATE_ATTEMPTS) throw err;
        current = await this.client.get<ControllerRevision>(Resources.controllerrevisions, clone.metadata?.namespace ?? '', clone.metadata?.name ?? '');
      }
    }
  }

  async delete(revision: ControllerRevision): Promise<void> {
    await this.client.delete(Resources.controllerrevisions, revision.metadata?.namespace ?? '', revision.metadata?.name ?? '');
  }

  /** AdoptControllerRevision: makes parent the controller of an orphaned revision. */
  adopt(parent: KubeObject, parentType: ResourceType, revision: ControllerRevision): Promise<ControllerRevision> {
    const { namespace = '', name = '' } = revision.metadata ?? {};
    return this.client.patch<ControllerRevision>(Resources.controllerrevisions, namespace, name, 'strategic', adoptPatch(revision, parent, parentType));
  }

  /** ReleaseControllerRevision: removes parent's reference from a revision. */
  release(parent: KubeObject, revision: ControllerRevision): Promise<ControllerRevision> {
    const { namespace = '', name = '' } = revision.metadata ?? {};
    return this.client.patch<ControllerRevision>(Resources.controllerrevisions, namespace, name, 'strategic', releasePatch(revision, parent));
  }
}
