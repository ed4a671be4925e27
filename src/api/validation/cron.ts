// The cron schedule grammar CronJobs accept (robfig/cron/v3 ParseStandard:
// five fields or a descriptor), returning its error text verbatim since
// upstream puts it in the field error.

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** strconv.Atoi, with its error text. */
function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = Number(s);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1) return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  return n;
}

function mustParseInt(expr: string): number | { error: string } {
  const n = atoi(expr);
  if (typeof n === 'string') return { error: `failed to parse int from ${expr}: ${n}` };
  if (n < 0) return { error: `negative number (${n}) not allowed: ${expr}` };
  return n;
}

function parseIntOrName(expr: string, bounds: Bounds): number | { error: string } {
  const named = bounds.names?.[expr.toLowerCase()];
  return named !== undefined ? named : mustParseInt(expr);
}

function checkRange(expr: string, bounds: Bounds): string | undefined {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  let start: number;
  let end: number;
  let step = 1;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = bounds.min;
    end = bounds.max;
  } else {
    const s = parseIntOrName(lowAndHigh[0] ?? '', bounds);
    if (typeof s !== 'number') return s.error;
    start = s;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const e = parseIntOrName(lowAndHigh[1] ?? '', bounds);
      if (typeof e !== 'number') return e.error;
      end = e;
    } else return `too many hyphens: ${expr}`;
  }
  if (rangeAndStep.length === 2) {
    const s = mustParseInt(rangeAndStep[1] ?? '');
    if (typeof s !== 'number') return s.error;
    step = s;
    if (lowAndHigh.length === 1) end = bounds.max;
  } else if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  if (start < bounds.min) return `beginning of range (${start}) below minimum (${bounds.min}): ${expr}`;
  if (end > bounds.max) return `end of range (${end}) above maximum (${bounds.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  if (step === 0) return `step of range should be a positive number: ${expr}`;
  return undefined;
}

function checkField(field: string, bounds: Bounds): string | undefined {
  for (const expr of field.split(',').filter((r) => r.length > 0)) {
    const error = checkRange(expr, bounds);
    if (error !== undefined) return error;
  }
  return undefined;
}

/** Go's time.ParseDuration acceptance (the error text is approximated). */
function parseDuration(s: string): string | undefined {
  const unit = '(?:ns|us|µs|μs|ms|s|m|h)';
  if (s === '0' || new RegExp(`^[-+]?(?:(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)${unit})+$`).test(s)) return undefined;
  return `time: invalid duration ${JSON.stringify(s)}`;
}

/** Go's %s of a []string: "[a b c]". */
function goSlice(fields: readonly string[]): string {
  return `[${fields.join(' ')}]`;
}

/** cron.ParseStandard: the error message, or undefined when the schedule is valid. */
export function cronScheduleError(spec: string): string | undefined {
  if (spec.length === 0) return 'empty spec string';
  let rest = spec;
  if (rest.startsWith('TZ=') || rest.startsWith('CRON_TZ=')) {
    const space = rest.indexOf(' ');
    const eq = rest.indexOf('=');
    const zone = space < 0 ? rest.slice(eq + 1) : rest.slice(eq + 1, space);
    if (!isKnownZone(zone)) return `provided bad location ${zone}: unknown time zone ${zone}`;
    rest = space < 0 ? '' : rest.slice(space).trim();
  }
  if (rest.startsWith('@')) {
    if (DESCRIPTORS.has(rest)) return undefined;
    if (rest.startsWith('@every ')) {
      const error = parseDuration(rest.slice('@every '.length));
      return error === undefined ? undefined : `failed to parse duration ${rest}: ${error}`;
    }
    return `unrecognized descriptor: ${rest}`;
  }
  const fields = rest.split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${goSlice(fields)}`;
  const bounds = [MINUTES, HOURS, DOM, MONTHS, DOW];
  for (let i = 0; i < 5; i++) {
    const error = checkField(fields[i] ?? '', bounds[i] ?? MINUTES);
    if (error !== undefined) return error;
  }
  return undefined;
}

/** time.LoadLocation over the IANA database the runtime knows. */
export function isKnownZone(zone: string): boolean {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
