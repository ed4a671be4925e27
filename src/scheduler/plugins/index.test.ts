import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { hasEnqueueExtensions, isFilter, isPreFilter, isScore } from '../framework/types.js';
import { TestSnapshot, handleFor } from './helper/testing.js';
import { DEFAULT_BINDER, DEFAULT_PREEMPTION, defaultProfile, inTreeRegistry, isQueueSort } from './index.js';

checkLeaksAfterAll();

describe('inTreeRegistry and defaultProfile', () => {
  const handle = handleFor(new TestSnapshot([]));

  it('has a factory for every default plugin but the runtime ones', () => {
    const names = defaultProfile.plugins.map((p) => p.name);
    const missing = names.filter((n) => !(n in inTreeRegistry));
    assert.deepEqual(missing, [DEFAULT_PREEMPTION, DEFAULT_BINDER]);
  });

  it("builds plugins under upstream's names", () => {
    for (const [name, factory] of Object.entries(inTreeRegistry)) assert.equal(factory(undefined, handle).name, name);
  });

  it("uses upstream's v1 score weights", () => {
    const weights = Object.fromEntries(
      defaultProfile.plugins.filter((p) => p.name in inTreeRegistry && isScore(inTreeRegistry[p.name]!(undefined, handle))).map((p) => [p.name, p.weight]),
    );
    assert.deepEqual(weights, {
      TaintToleration: 3,
      NodeAffinity: 2,
      NodeResourcesFit: 1,
      PodTopologySpread: 2,
      InterPodAffinity: 2,
      NodeResourcesBalancedAllocation: 1,
    });
  });

  it('has exactly one queue sort plugin, and every plugin that can reject a pod registers events', () => {
    const plugins = Object.values(inTreeRegistry).map((f) => f(undefined, handle));
    assert.deepEqual(plugins.filter(isQueueSort).map((p) => p.name), ['PrioritySort']);
    for (const p of plugins) {
      if (!isFilter(p) && !isPreFilter(p)) continue;
      assert.ok(hasEnqueueExtensions(p), `${p.name} registers no events`);
      assert.ok(p.eventsToRegister().length > 0, `${p.name} registers no events`);
    }
  });
});
