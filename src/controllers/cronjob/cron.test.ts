import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { formatRfc3339, isParseError, loadZone, parseSchedule, type CronSchedule } from './cron.js';

checkLeaksAfterAll();

function schedule(spec: string): CronSchedule {
  const parsed = parseSchedule(spec);
  if (isParseError(parsed)) throw new Error(parsed.error);
  return parsed;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next n activations after `from`. */
function nexts(spec: string, from: string, n = 3): Array<string | undefined> {
  const s = schedule(spec);
  const out: Array<string | undefined> = [];
  let t: number | undefined = Date.parse(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = s.next(t);
    out.push(iso(t));
  }
  return out;
}

test('five fields: every minute, lists, ranges, steps', () => {
  assert.deepEqual(nexts('* * * * *', '2026-01-01T00:00:30Z'), ['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z', '2026-01-01T00:03:00.000Z']);
  assert.deepEqual(nexts('*/15 * * * *', '2026-01-01T00:00:00Z'), ['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z']);
  assert.deepEqual(nexts('5,10-11 9 * * *', '2026-01-01T00:00:00Z', 4), ['2026-01-01T09:05:00.000Z', '2026-01-01T09:10:00.000Z', '2026-01-01T09:11:00.000Z', '2026-01-02T09:05:00.000Z']);
  assert.deepEqual(nexts('30 6-16/4 * * 1-5', '2026-01-02T12:00:00Z'), ['2026-01-02T14:30:00.000Z', '2026-01-05T06:30:00.000Z', '2026-01-05T10:30:00.000Z']);
  // "N/step" runs from N to the end of the range.
  assert.deepEqual(nexts('50/5 * * * *', '2026-01-01T00:00:00Z'), ['2026-01-01T00:50:00.000Z', '2026-01-01T00:55:00.000Z', '2026-01-01T01:50:00.000Z']);
});

test('month and weekday names; day-of-month OR day-of-week unless one is a star', () => {
  assert.deepEqual(nexts('0 0 * feb,MAR sun', '2026-01-01T00:00:00Z', 2), ['2026-02-01T00:00:00.000Z', '2026-02-08T00:00:00.000Z']);
  // 13th of the month or any Friday.
  assert.deepEqual(nexts('0 0 13 * fri', '2026-02-01T00:00:00Z', 3), ['2026-02-06T00:00:00.000Z', '2026-02-13T00:00:00.000Z', '2026-02-20T00:00:00.000Z']);
  // "*/1" is still a star (AND); "*/2" is not (OR).
  assert.deepEqual(nexts('0 0 1 * */1', '2026-02-01T12:00:00Z', 1), ['2026-03-01T00:00:00.000Z']);
  assert.deepEqual(nexts('0 0 1 * */2', '2026-02-01T12:00:00Z', 1), ['2026-02-03T00:00:00.000Z']);
});

test('descriptors', () => {
  const from = '2026-05-15T10:20:00Z';
  assert.deepEqual(nexts('@yearly', from, 1), ['2027-01-01T00:00:00.000Z']);
  assert.deepEqual(nexts('@annually', from, 1), ['2027-01-01T00:00:00.000Z']);
  assert.deepEqual(nexts('@monthly', from, 1), ['2026-06-01T00:00:00.000Z']);
  assert.deepEqual(nexts('@weekly', from, 1), ['2026-05-17T00:00:00.000Z']);
  assert.deepEqual(nexts('@daily', from, 1), ['2026-05-16T00:00:00.000Z']);
  assert.deepEqual(nexts('@midnight', from, 1), ['2026-05-16T00:00:00.000Z']);
  assert.deepEqual(nexts('@hourly', from, 1), ['2026-05-15T11:00:00.000Z']);
  assert.deepEqual(nexts('@every 90s', '2026-05-15T10:20:00.500Z', 2), ['2026-05-15T10:21:30.000Z', '2026-05-15T10:23:00.000Z']);
});

test('a time zone: wall-clock schedules, daylight saving gaps skipped as robfig does', () => {
  assert.deepEqual(nexts('TZ=Europe/Berlin 0 9 * * *', '2026-01-01T00:00:00Z', 1), ['2026-01-01T08:00:00.000Z']);
  assert.deepEqual(nexts('CRON_TZ=Asia/Kolkata 0 9 * * *', '2026-01-01T00:00:00Z', 1), ['2026-01-01T03:30:00.000Z']);
  // Summer time in Berlin: 09:00 is 07:00Z.
  assert.deepEqual(nexts('TZ=Europe/Berlin 0 9 * * *', '2026-07-01T00:00:00Z', 1), ['2026-07-01T07:00:00.000Z']);
  // New York springs forward on 2026-03-08: 02:30 does not exist that day.
  assert.deepEqual(nexts('TZ=America/New_York 30 2 * * *', '2026-03-08T04:00:00Z', 1), ['2026-03-09T06:30:00.000Z']);
  // Across the switch, 09:00 local keeps its wall time.
  assert.deepEqual(nexts('TZ=America/New_York 0 9 * * *', '2026-03-07T15:00:00Z', 2), ['2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
});

test('an impossible date finds nothing within five years', () => {
  assert.equal(schedule('0 0 30 2 *').next(Date.parse('2026-01-01T00:00:00Z')), undefined);
});

test('errors carry robfig messages', () => {
  const error = (spec: string) => {
    const parsed = parseSchedule(spec);
    return isParseError(parsed) ? parsed.error : undefined;
  };
  assert.equal(error(''), 'empty spec string');
  assert.equal(error('* * * *'), 'expected exactly 5 fields, found 4: [* * * *]');
  assert.equal(error('60 * * * *'), 'end of range (60) above maximum (59): 60');
  assert.equal(error('* * 0 * *'), 'beginning of range (0) below minimum (1): 0');
  assert.equal(error('5-1 * * * *'), 'beginning of range (5) beyond end of range (1): 5-1');
  assert.equal(error('*/0 * * * *'), 'step of range should be a positive number: */0');
  assert.equal(error('1-2-3 * * * *'), 'too many hyphens: 1-2-3');
  assert.equal(error('* * * * 7'), 'end of range (7) above maximum (6): 7');
  assert.equal(error('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(error('@fortnightly'), 'unrecognized descriptor: @fortnightly');
  assert.equal(error('TZ=Mars/Olympus 0 * * * *'), 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus');
  assert.equal(error('@every 1x'), 'failed to parse duration @every 1x: time: invalid duration "1x"');
});

test('RFC 3339 in a zone, as the scheduled-timestamp annotation prints it', () => {
  const at = Date.parse('2026-01-01T08:00:00Z');
  assert.equal(formatRfc3339(at, loadZone('Europe/Berlin')!), '2026-01-01T09:00:00+01:00');
  assert.equal(formatRfc3339(at, loadZone('America/St_Johns')!), '2026-01-01T04:30:00-03:30');
  assert.equal(formatRfc3339(at, loadZone('')!), '2026-01-01T08:00:00Z');
  assert.equal(loadZone('Not/AZone'), undefined);
});
