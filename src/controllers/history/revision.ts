// ControllerRevisions as pkg/controller/history builds and orders them: names
// `<owner>-<hash>`, the controller.kubernetes.io/hash label, revision numbers, and
// equality of the stored data.

import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../api/types.js';
import type { ResourceType } from '../../client/index.js';
import { newControllerRef, safeEncodeString, type Typed } from '../common/index.js';
import { fnv32, goJson, utf8 } from '../common/index.js';

/** history.ControllerRevisionHashLabel: the hash of a revision, on the revision itself. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';
/** apps.ControllerRevisionHashLabelKey: the revision a pod belongs to (StatefulSet and DaemonSet pods). */
export const POD_REVISION_LABEL = 'controller-revision-hash';

const MAX_PREFIX = 223;

/** ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 characters so the name stays valid. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > MAX_PREFIX ? prefix.slice(0, MAX_PREFIX) : prefix}-${hash}`;
}

/** HashControllerRevision: FNV-32 of the data's JSON, then the collision probe in decimal. */
export function hashControllerRevision(revision: ControllerRevision, probe?: number): string {
  const chunks = revision.data === undefined ? [] : [utf8(goJson(revision.data))];
  if (probe !== undefined) chunks.push(utf8(String(probe)));
  return safeEncodeString(String(fnv32(...chunks)));
}

/** NewControllerRevision: a revision of parent holding data, labelled like its pods' template, named by its hash. */
export function newControllerRevision(
  parent: KubeObject,
  parentType: ResourceType,
  templateLabels: Readonly<Record<string, string>> | undefined,
  data: unknown,
  revision: number,
  collisionCount: number,
): Typed<ControllerRevision> {
  const cr: Typed<ControllerRevision> = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      namespace: parent.metadata?.namespace,
      labels: { ...templateLabels },
      ownerReferences: [newControllerRef(parent, parentType)],
    },
    data: structuredClone(data) as object,
    revision,
  };
  const hash = hashControllerRevision(cr, collisionCount);
  cr.metadata!.name = controllerRevisionName(parent.metadata?.name ?? '', hash);
  cr.metadata!.labels![CONTROLLER_REVISION_HASH_LABEL] = hash;
  return cr;
}

function timestamp(cr: ControllerRevision): number {
  const t = cr.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/** SortControllerRevisions: by revision number, then creation time, then name (stable). */
export function sortControllerRevisions<T extends ControllerRevision>(revisions: T[]): T[] {
  return revisions.sort((a, b) => (a.revision - b.revision) || (timestamp(a) - timestamp(b)) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0));
}

function parsedHash(cr: ControllerRevision): number | undefined {
  const label = cr.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  // strconv.ParseInt(label, 10, 32): only all-digit hashes count.
  if (label === undefined || !/^[+-]?\d+$/.test(label)) return undefined;
  const n = Number(label);
  return n >= -2147483648 && n <= 2147483647 ? n >>> 0 : undefined;
}

/** EqualRevision: same hash label (when both parse) and semantically equal data. */
export function equalRevision(lhs: ControllerRevision | undefined, rhs: ControllerRevision | undefined): boolean {
  if (!lhs || !rhs) return lhs === rhs;
  const lhsHash = parsedHash(lhs);
  const rhsHash = parsedHash(rhs);
  if (lhsHash !== undefined && rhsHash !== undefined && lhsHash !== rhsHash) return false;
  return goJson(lhs.data ?? null) === goJson(rhs.data ?? null);
}

/** FindEqualRevisions: the revisions equal to needle, in the given order. */
export function findEqualRevisions<T extends ControllerRevision>(revisions: readonly T[], needle: ControllerRevision): T[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** nextRevision: one more than the highest revision of a sorted list (1 for none). */
export function nextRevision(sorted: readonly ControllerRevision[]): number {
  const last = sorted[sorted.length - 1];
  return last ? last.revision + 1 : 1;
}

/** The highest revision number of a list (0 for none). */
export function maxRevision(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision), 0);
}

/**
 * The revisions to delete so at most `limit` non-live ones remain, oldest first
 * (truncateHistory / cleanupHistory). `revisions` must be sorted; a negative limit keeps all.
 */
export function revisionsToTruncate<T extends ControllerRevision>(sorted: readonly T[], isLive: (cr: T) => boolean, limit: number): T[] {
  const history = sorted.filter((cr) => !isLive(cr));
  if (limit < 0 || history.length <= limit) return [];
  return history.slice(0, history.length - limit);
}
