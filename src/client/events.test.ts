// Events as `kubectl describe` shows them: repeats counted on one Event, many
// similar ones combined, and a chatty object throttled.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkLeaksAfterAll, startControlPlane, type TestControlPlane } from '../testing/index.js';
import type { KubeObject } from '../api/types.js';
import { FakeClock } from './clock.js';
import { ApiEventRecorder } from './events.js';
import { Resources } from './resources.js';
import type { ApiClient } from './types.js';
import { ControllerManager } from '../controllers/manager.js';

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

/** A client whose creates wait until released, counting the ones that started and finished. */
function gatedClient() {
  const state = { started: 0, finished: 0, release: () => {} };
  let gate = new Promise<void>((resolve) => (state.release = resolve));
  const client = {
    create: async (_type: unknown, _ns: string, obj: KubeObject) => {
      state.started++;
      await gate;
      state.finished++;
      return obj;
    },
  } as unknown as ApiClient;
  const reopen = () => (gate = new Promise<void>((resolve) => (state.release = resolve)));
  return { client, state, reopen };
}

const pod = (i: number): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'default', uid: `u${i}` } });

describe('ApiEventRecorder shutdown', () => {
  it('drops queued events, waits for the one being written, and records no more', async () => {
    const { client, state } = gatedClient();
    const recorder = new ApiEventRecorder(client, { component: 'default-scheduler' });
    for (let i = 0; i < 500; i++) recorder.event(pod(i), 'Warning', 'FailedScheduling', '0/0 nodes are available');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(state.started, 1, 'events are written one at a time');
    let done = false;
    const stopping = recorder.shutdown().then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(done, false, 'the write in flight is waited for');
    state.release();
    await stopping;
    assert.deepEqual([state.started, state.finished], [1, 1], 'the queued events were dropped');
    recorder.event(pod(501), 'Warning', 'FailedScheduling', 'late');
    await recorder.flush();
    assert.equal(state.started, 1, 'nothing is recorded after shutdown');
  });

  it('lets the controller manager stop without writing a backlog of events', async () => {
    const { client, state } = gatedClient();
    const manager = new ControllerManager({
      client,
      onError: () => {},
      controllers: [
        {
          name: 'chatty',
          factory: (ctx) => {
            const recorder = ctx.recorder('default-scheduler');
            return {
              name: 'chatty',
              run: () => {
                for (let i = 0; i < 10_000; i++) recorder.event(pod(i), 'Warning', 'FailedScheduling', '0/0 nodes are available');
              },
              stop: async () => {},
            };
          },
        },
      ],
    });
    await manager.start();
    await new Promise((resolve) => setImmediate(resolve));
    // Each write now completes at once: a stop that flushed the queue would write all 10,000.
    state.release();
    await manager.stop();
    assert.ok(state.started < 10, `stopped after ${state.started} event writes, not 10000`);
  });


  it('queues at most 1000 events and drops the rest, as client-go does', async () => {
    const { client, state } = gatedClient();
    const recorder = new ApiEventRecorder(client, { component: 'default-scheduler' });
    for (let i = 0; i < 1200; i++) recorder.event(pod(i), 'Normal', 'Scheduled', 'assigned');
    assert.equal(recorder.dropped, 200);
    state.release();
    await recorder.flush();
    assert.equal(state.finished, 1000);
    recorder.event(pod(2000), 'Normal', 'Scheduled', 'assigned');
    await recorder.flush();
    assert.equal(state.finished, 1001, 'the queue takes events again once written');
  });

  it('names every Event uniquely, even many for one object within one millisecond', async () => {
    const names = new Set<string>();
    const client = {
      create: async (_type: unknown, _ns: string, obj: KubeObject) => {
        names.add(obj.metadata!.name!);
        return obj;
      },
    } as unknown as ApiClient;
    // A clock that never moves: every event in the same millisecond.
    const recorder = new ApiEventRecorder(client, { component: 'kubelet' }, new FakeClock());
    // One name, distinct uids: past the spam filter, and every Event named "same.<stamp>".
    for (let i = 0; i < 500; i++) recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'same', namespace: 'default', uid: `s${i}` } }, 'Normal', 'Pulled', 'message');
    await recorder.flush();
    assert.equal(names.size, 500);
  });
});
