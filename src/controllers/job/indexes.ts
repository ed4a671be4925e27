// Completion indexes of Indexed Jobs (pkg/controller/job/indexed_job_utils.go):
// the index a pod carries, sets of indexes as ordered intervals, their
// "0-2,4" text form in status.completedIndexes, and which indexes still need
// a pod. Pure: no I/O.

export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const UNKNOWN_INDEX = -1;

/** names.MaxGeneratedNameLength: 63 minus the 5 random characters. */
const MAX_GENERATED_NAME_LENGTH = 58;

/** getCompletionIndex: the index in the annotation, or -1 when missing, malformed or negative. */
export function completionIndexOf(annotations: Readonly<Record<string, string>> | undefined): number {
  const value = annotations?.[COMPLETION_INDEX_ANNOTATION];
  if (value === undefined || !/^[+-]?[0-9]+$/.test(value)) return UNKNOWN_INDEX;
  const index = Number(value);
  return Number.isSafeInteger(index) && index >= 0 ? index : UNKNOWN_INDEX;
}

export interface Interval {
  readonly first: number;
  readonly last: number;
}

/** A set of indexes as sorted, non-adjacent intervals (orderedIntervals). */
export type Intervals = readonly Interval[];

/** merge: the union of two ordered interval lists, adjacent intervals joined. */
export function mergeIntervals(a: Intervals, b: Intervals): Interval[] {
  const result: Interval[] = [];
  const push = (next: Interval) => {
    const last = result[result.length - 1];
    if (!last || next.first > last.last + 1) result.push({ ...next });
    else if (last.last < next.last) result[result.length - 1] = { first: last.first, last: next.last };
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i]!.first < b[j]!.first) push(a[i++]!);
    else push(b[j++]!);
  }
  while (i < a.length) push(a[i++]!);
  while (j < b.length) push(b[j++]!);
  return result;
}

/** withOrderedIndexes: adds indexes given in increasing order. */
export function withIndexes(intervals: Intervals, sortedIndexes: readonly number[]): Interval[] {
  return mergeIntervals(
    intervals,
    sortedIndexes.map((ix) => ({ first: ix, last: ix })),
  );
}

export function totalIndexes(intervals: Intervals): number {
  return intervals.reduce((sum, iv) => sum + iv.last - iv.first + 1, 0);
}

export function hasIndex(intervals: Intervals, ix: number): boolean {
  return intervals.some((iv) => iv.first <= ix && ix <= iv.last);
}

/** The status text: "1,3-5,7"; two consecutive indexes print as "3,4". */
export function formatIntervals(intervals: Intervals): string {
  return intervals
    .map((iv) => {
      if (iv.last === iv.first) return `${iv.first}`;
      return `${iv.first}${iv.last === iv.first + 1 ? ',' : '-'}${iv.last}`;
    })
    .join(',');
}

/** parseIndexesFromString: corrupt parts are skipped, indexes at or past completions dropped. */
export function parseIntervals(text: string | undefined, completions: number): Interval[] {
  if (!text) return [];
  const result: Interval[] = [];
  for (const part of text.split(',')) {
    const limits = part.split('-');
    const first = atoi(limits[0] ?? '');
    if (first === undefined) continue;
    if (first >= completions) break;
    let last = first;
    if (limits.length > 1) {
      const parsed = atoi(limits[1] ?? '');
      if (parsed === undefined) continue;
      last = Math.min(parsed, completions - 1);
    }
    const previous = result[result.length - 1];
    if (previous && previous.last === first - 1) result[result.length - 1] = { first: previous.first, last };
    else result.push({ first, last });
  }
  return result;
}

function atoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * firstPendingIndexes: the lowest `count` indexes below `completions` not covered
 * by the given sets (succeeded, active and, when only failed pods are replaced,
 * terminating ones).
 */
export function firstPendingIndexes(nonPending: Intervals, count: number, completions: number): number[] {
  const result: number[] = [];
  if (count <= 0) return result;
  let candidate = 0;
  for (const iv of nonPending) {
    for (; candidate < completions && result.length < count && candidate < iv.first; candidate++) result.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && result.length < count; candidate++) result.push(candidate);
  return result;
}

/** podGenerateNameWithIndex: "<job>-<index>-", the job name cut so the prefix fits. */
export function generateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  if (prefix.length <= MAX_GENERATED_NAME_LENGTH) return prefix;
  return prefix.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix;
}

/** The set of indexes, sorted ascending, of the given annotations' owners. */
export function sortedIndexSet(indexes: Iterable<number>): number[] {
  return [...new Set([...indexes].filter((ix) => ix !== UNKNOWN_INDEX))].sort((a, b) => a - b);
}

export interface SuccessPolicyRule {
  readonly succeededIndexes?: string;
  readonly succeededCount?: number;
}

/** matchSuccessPolicy: the SuccessCriteriaMet message when a rule of spec.successPolicy holds. */
export function matchSuccessPolicy(rules: readonly SuccessPolicyRule[] | undefined, completions: number, succeeded: Intervals): string | undefined {
  if (!rules || succeeded.length === 0) return undefined;
  for (const [index, rule] of rules.entries()) {
    if (rule.succeededIndexes !== undefined) {
      const required = parseIntervals(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeeded, rule.succeededCount)) return `Matched rules at index ${index}`;
    } else if (rule.succeededCount !== undefined && totalIndexes(succeeded) >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}

function matchSucceededIndexesRule(ruleIndexes: Intervals, succeeded: Intervals, succeededCount: number | undefined): boolean {
  let contains = 0;
  let s = 0;
  let r = 0;
  while (r < ruleIndexes.length && s < succeeded.length) {
    const rule = ruleIndexes[r]!;
    const done = succeeded[s]!;
    const overlap = Math.min(rule.last, done.last) - Math.max(rule.first, done.first) + 1;
    if (overlap > 0) contains += overlap;
    if (done.last < rule.last) s++;
    else if (done.last > rule.last) r++;
    else {
      s++;
      r++;
    }
  }
  return contains === totalIndexes(ruleIndexes) || (succeededCount !== undefined && contains >= succeededCount);
}
