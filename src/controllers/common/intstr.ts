// k8s.io/apimachinery/pkg/util/intstr: int-or-percent values (maxSurge,
// maxUnavailable, PDB minAvailable) scaled against a total.

export type IntOrString = number | string;

/**
 * GetScaledValueFromIntOrPercent: an int as is, "N%" of total rounded up or down.
 * A malformed value is returned as an Error with upstream's message.
 */
export function scaledValue(value: IntOrString | null | undefined, total: number, roundUp: boolean): number | Error {
  if (value === undefined || value === null) return new Error('nil value for IntOrString');
  if (typeof value === 'number') return value;
  if (!value.endsWith('%')) return new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const digits = value.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) return new Error(`invalid value for IntOrString: invalid value "${value}": strconv.Atoi: parsing "${digits}": invalid syntax`);
  const scaled = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
