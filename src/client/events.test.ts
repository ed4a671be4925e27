// Events as `kubectl describe` shows them: repeats counted on one Event, many
// similar ones combined, and a chatty object throttled.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkLeaksAfterAll, startControlPlane, type TestControlPlane } from '../testing/index.js';
import type { KubeObject } from '../api/types.js';
import { FakeClock } from './clock.js';
import { ApiEventRecorder } from './events.js';
import { Resources } from './resources.js';

checkLeaksAfterAll();

interface EventView {
  message: string;
  count: number;
  reason: string;
  involvedObject: { name: string };
}

describe('ApiEventRecorder', () => {
  let cp: TestControlPlane;
  const clock = new FakeClock();
  before(async () => {
    cp = await startControlPlane({ clock, builtinControllers: false });
  });
  after(async () => cp?.close());

  const events = async (name: string) =>
    (await cp.client.list<EventView & KubeObject>(Resources.events, 'default')).items.filter((e) => e.involvedObject.name === name);

  it('counts a repeated event on the same Event object', async () => {
    const recorder = new ApiEventRecorder(cp.client, { component: 'test-controller' }, clock);
    const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default', uid: 'u1' } };
    for (let i = 0; i < 3; i++) recorder.event(obj, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await recorder.flush();
    const found = await events('p1');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.count, 3);
  });

  it('combines similar events beyond ten and throttles an object after a burst of 25', async () => {
    const recorder = new ApiEventRecorder(cp.client, { component: 'replicaset-controller' }, clock);
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs1', namespace: 'default', uid: 'u2' } };
    for (let i = 0; i < 40; i++) recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: rs1-${i}`);
    await recorder.flush();
    const found = await events('rs1');
    assert.equal(found.length, 10, 'nine distinct events, then one combined');
    const combined = found.find((e) => e.message.startsWith('(combined from similar events): '));
    assert.ok(combined);
    assert.equal(combined.count, 25 - 9, 'only the burst of 25 got through the spam filter');
    clock.advance(5 * 60_000);
    recorder.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: rs1-late');
    await recorder.flush();
    assert.equal((await events('rs1')).find((e) => e.message.startsWith('(combined'))?.count, 17, 'a token came back after 5 minutes');
  });
});
