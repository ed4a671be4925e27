import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronScheduleError } from './index.js';

test('valid schedules (robfig/cron/v3 ParseStandard)', () => {
  for (const spec of ['* * * * *', '*/5 * * * *', '0 0 * * 0', '30 4 1-15 jan-jun mon-fri', '0 */2 * * ?', '@daily', '@every 1h30m', '0,15,30,45 * * * *']) {
    assert.equal(cronScheduleError(spec), undefined, spec);
  }
});

test('invalid schedules report robfig/cron errors verbatim', () => {
  assert.equal(cronScheduleError(''), 'empty spec string');
  assert.equal(cronScheduleError('* * * * * *'), 'expected exactly 5 fields, found 6: [* * * * * *]');
  assert.equal(cronScheduleError('0 24 * * *'), 'end of range (24) above maximum (23): 24');
  assert.equal(cronScheduleError('0 0 0 * *'), 'beginning of range (0) below minimum (1): 0');
  assert.equal(cronScheduleError('5-1 * * * *'), 'beginning of range (5) beyond end of range (1): 5-1');
  assert.equal(cronScheduleError('1-2-3 * * * *'), 'too many hyphens: 1-2-3');
  assert.equal(cronScheduleError('*/0 * * * *'), 'step of range should be a positive number: */0');
  assert.equal(cronScheduleError('0 0 * foo *'), 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax');
  assert.equal(cronScheduleError('@every forever'), 'failed to parse duration @every forever: time: invalid duration "forever"');
});
