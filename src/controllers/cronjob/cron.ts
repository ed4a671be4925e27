// Cron schedules as the CronJob controller reads them: robfig/cron/v3
// ParseStandard (five fields, ranges, lists, steps, month and weekday names,
// descriptors, "@every", a "TZ="/"CRON_TZ=" prefix) and SpecSchedule.Next,
// computed in an IANA time zone through Intl. Pure: no I/O.
//
// A spec without a zone runs in the controller's local zone upstream; here that
// is UTC, as kube-controller-manager usually runs.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const SECONDS: Bounds = { min: 0, max: 59 };
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** The values a field allows; `star` when it was "*" or "?" (robfig's starBit). */
interface Field {
  readonly allowed: readonly boolean[];
  readonly star: boolean;
}

export interface CronSchedule {
  /** The first activation strictly after `afterMs`, or undefined when none comes within five years. */
  next(afterMs: number): number | undefined;
  readonly zone: TimeZone;
}

export type ParseResult = CronSchedule | { readonly error: string };

export function isParseError(result: ParseResult): result is { readonly error: string } {
  return 'error' in result;
}

class ParseError extends Error {}

/** cron.ParseStandard; errors carry robfig's messages. */
export function parseSchedule(spec: string): ParseResult {
  try {
    return parse(spec);
  } catch (err) {
    if (err instanceof ParseError) return { error: err.message };
    throw err;
  }
}

function parse(spec: string): CronSchedule {
  if (spec.length === 0) throw new ParseError('empty spec string');
  let zone = UTC;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const name = spec.slice(spec.indexOf('=') + 1, space < 0 ? undefined : space);
    const loaded = loadZone(name);
    if (!loaded) throw new ParseError(`provided bad location ${name}: unknown time zone ${name}`);
    zone = loaded;
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, zone);
  const fields = spec.split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 5) throw new ParseError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return new SpecSchedule(
    single(0, SECONDS),
    parseField(fields[0]!, MINUTES),
    parseField(fields[1]!, HOURS),
    parseField(fields[2]!, DOM),
    parseField(fields[3]!, MONTHS),
    parseField(fields[4]!, DOW),
    zone,
  );
}

function parseDescriptor(descriptor: string, zone: TimeZone): CronSchedule {
  const first = (b: Bounds) => single(b.min, b);
  const all = (b: Bounds) => range(b.min, b.max, 1, true, b);
  switch (descriptor) {
    case '@yearly':
    case '@annually':
      return new SpecSchedule(first(SECONDS), first(MINUTES), first(HOURS), first(DOM), first(MONTHS), all(DOW), zone);
    case '@monthly':
      return new SpecSchedule(first(SECONDS), first(MINUTES), first(HOURS), first(DOM), all(MONTHS), all(DOW), zone);
    case '@weekly':
      return new SpecSchedule(first(SECONDS), first(MINUTES), first(HOURS), all(DOM), all(MONTHS), first(DOW), zone);
    case '@daily':
    case '@midnight':
      return new SpecSchedule(first(SECONDS), first(MINUTES), first(HOURS), all(DOM), all(MONTHS), all(DOW), zone);
    case '@hourly':
      return new SpecSchedule(first(SECONDS), first(MINUTES), all(HOURS), all(DOM), all(MONTHS), all(DOW), zone);
  }
  const every = '@every ';
  if (descriptor.startsWith(every)) {
    const duration = parseDuration(descriptor.slice(every.length));
    if (typeof duration === 'string') throw new ParseError(`failed to parse duration ${descriptor}: ${duration}`);
    return new ConstantDelaySchedule(duration, zone);
  }
  throw new ParseError(`unrecognized descriptor: ${descriptor}`);
}

function single(value: number, bounds: Bounds): Field {
  return range(value, value, 1, false, bounds);
}

function range(start: number, end: number, step: number, star: boolean, bounds: Bounds): Field {
  const allowed = Array.from({ length: bounds.max + 1 }, () => false);
  for (let v = start; v <= end; v += step) allowed[v] = true;
  return { allowed, star };
}

/** getField: a comma-separated list of ranges. */
function parseField(field: string, bounds: Bounds): Field {
  const allowed = Array.from({ length: bounds.max + 1 }, () => false);
  let star = false;
  for (const expr of field.split(',').filter((e) => e.length > 0)) {
    const part = parseRange(expr, bounds);
    part.allowed.forEach((on, v) => (allowed[v] ||= on));
    star ||= part.star;
  }
  return { allowed, star };
}

/** getRange: "*", "?", "N", "N-M", each optionally "/step" ("N/step" means N-max). */
function parseRange(expr: string, bounds: Bounds): Field {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = bounds.min;
    end = bounds.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, bounds);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, bounds);
    else throw new ParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]!);
    if (singleDigit) end = bounds.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new ParseError(`too many slashes: ${expr}`);
  }
  if (start < bounds.min) throw new ParseError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new ParseError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new ParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new ParseError(`step of range should be a positive number: ${expr}`);
  return range(start, end, step, star, bounds);
}

function parseIntOrName(expr: string, bounds: Bounds): number {
  const named = bounds.names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

function mustParseInt(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr)) throw new ParseError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new ParseError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: SECOND, m: MINUTE, h: HOUR };

/** time.ParseDuration, in milliseconds, or the error text. */
function parseDuration(text: string): number | string {
  const invalid = `time: invalid duration ${JSON.stringify(text)}`;
  if (text === '0') return 0;
  const match = /^([-+]?)((?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!match) return invalid;
  let total = 0;
  for (const [, value, unit] of match[2]!.matchAll(/([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(value) * DURATION_UNITS[unit!]!;
  return match[1] === '-' ? -total : total;
}

/** SpecSchedule: the fields, matched in a time zone. */
class SpecSchedule implements CronSchedule {
  constructor(
    private readonly second: Field,
    private readonly minute: Field,
    private readonly hour: Field,
    private readonly dom: Field,
    private readonly month: Field,
    private readonly dow: Field,
    readonly zone: TimeZone,
  ) {}

  /** dayMatches: day-of-month OR day-of-week, unless either is a star, then AND. */
  private dayMatches(w: WallClock): boolean {
    const domMatch = this.dom.allowed[w.day] === true;
    const dowMatch = this.dow.allowed[w.weekday] === true;
    return this.dom.star || this.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  }

  /** SpecSchedule.Next: each field, coarsest first, incremented until it matches, wrapping to re-check. */
  next(afterMs: number): number | undefined {
    const z = this.zone;
    // The upcoming whole second.
    let t = Math.floor(afterMs / SECOND) * SECOND + SECOND;
    let added = false;
    const yearLimit = z.wall(t).year + 5;
    wrap: for (;;) {
      let w = z.wall(t);
      if (w.year > yearLimit) return undefined;
      while (!this.month.allowed[w.month]) {
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, 1, 0, 0, 0);
          w = z.wall(t);
        }
        t = z.date(w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
        w = z.wall(t);
        if (w.month === 1) continue wrap;
      }
      while (!this.dayMatches(w)) {
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, w.day, 0, 0, 0);
          w = z.wall(t);
        }
        t = z.date(w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
        w = z.wall(t);
        // Where midnight does not exist (DST), the day starts at 1:00 or 23:00.
        if (w.hour !== 0) {
          t += (w.hour > 12 ? 24 - w.hour : -w.hour) * HOUR;
          w = z.wall(t);
        }
        if (w.day === 1) continue wrap;
      }
      while (!this.hour.allowed[w.hour]) {
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, w.day, w.hour, 0, 0);
        }
        t += HOUR;
        w = z.wall(t);
        if (w.hour === 0) continue wrap;
      }
      while (!this.minute.allowed[w.minute]) {
        if (!added) {
          added = true;
          t = Math.floor(t / MINUTE) * MINUTE;
        }
        t += MINUTE;
        w = z.wall(t);
        if (w.minute === 0) continue wrap;
      }
      while (!this.second.allowed[w.second]) {
        if (!added) {
          added = true;
          t = Math.floor(t / SECOND) * SECOND;
        }
        t += SECOND;
        w = z.wall(t);
        if (w.second === 0) continue wrap;
      }
      return t;
    }
  }
}

/** "@every d": activations d apart (at least a second, whole seconds). */
class ConstantDelaySchedule implements CronSchedule {
  private readonly delay: number;

  constructor(
    duration: number,
    readonly zone: TimeZone,
  ) {
    const atLeastASecond = Math.max(duration, SECOND);
    this.delay = atLeastASecond - (atLeastASecond % SECOND);
  }

  next(afterMs: number): number {
    return afterMs + this.delay - (afterMs % SECOND);
  }
}

export interface WallClock {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday */
  readonly weekday: number;
}

/** A time zone: wall clock of an instant, and the instant of a wall clock (Go's time.Date). */
export interface TimeZone {
  readonly name: string;
  wall(ms: number): WallClock;
  /** time.Date(year, month, day, hour, minute, second, 0, zone): fields may overflow and are normalized. */
  date(year: number, month: number, day: number, hour: number, minute: number, second: number): number;
  /** Offset from UTC at the instant, in milliseconds. */
  offset(ms: number): number;
}

function utcWall(ms: number): WallClock {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

function utcDate(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

export const UTC: TimeZone = {
  name: 'UTC',
  wall: utcWall,
  date: utcDate,
  offset: () => 0,
};

class IanaZone implements TimeZone {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  wall(ms: number): WallClock {
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(ms))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wall = { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
    return { ...wall, weekday: new Date(utcDate(wall.year, wall.month, wall.day, 0, 0, 0)).getUTCDay() };
  }

  offset(ms: number): number {
    const w = this.wall(ms);
    return utcDate(w.year, w.month, w.day, w.hour, w.minute, w.second) - Math.floor(ms / SECOND) * SECOND;
  }

  /** Go's Date: guess the offset at the wall time read as UTC, then correct it once. */
  date(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const naive = utcDate(year, month, day, hour, minute, second);
    let offset = this.offset(naive);
    if (offset !== 0) {
      const corrected = this.offset(naive - offset);
      if (corrected !== offset) offset = corrected;
    }
    return naive - offset;
  }
}

const zones = new Map<string, TimeZone>();

/** time.LoadLocation: "" and "UTC" are UTC ("Local" too, see above); undefined when unknown. */
export function loadZone(name: string): TimeZone | undefined {
  if (name === '' || name === 'UTC' || name === 'Local') return UTC;
  let zone = zones.get(name);
  if (!zone) {
    try {
      zone = new IanaZone(name);
    } catch {
      return undefined;
    }
    zones.set(name, zone);
  }
  return zone;
}

/** time.Time.Format(time.RFC3339) of an instant in a zone: "2026-01-01T09:00:00+01:00", or "...Z" at UTC. */
export function formatRfc3339(ms: number, zone: TimeZone): string {
  const w = zone.wall(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const base = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  const offsetMinutes = Math.round(zone.offset(ms) / MINUTE);
  if (offsetMinutes === 0) return `${base}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
