// Timestamps as the API carries them (metav1.Time: RFC 3339, whole seconds).

/** metav1.Time of an instant in ms: RFC 3339 in UTC, truncated to seconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The instant of a metav1.Time in ms, or undefined when unset or unparsable (Go's zero time). */
export function parseTime(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
