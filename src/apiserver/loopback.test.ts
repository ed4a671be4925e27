// The in-process client passes the same client conformance suite as HTTPS.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { Resources } from '../client/index.js';
import { runClientConformance } from '../client/conformance.js';
import { checkLeaksAfterAll, startControlPlane } from '../testing/index.js';

checkLeaksAfterAll();

runClientConformance('in-process (loopback) client', async () => {
  const cp = await startControlPlane();
  return {
    client: cp.client,
    close: () => cp.close(),
    compact: async () => cp.store.compact(await cp.store.currentRevision()),
  };
});

describe('loopback client bodies', () => {
  it('sends what JSON would carry and keeps nothing of the caller', async () => {
    const cp = await startControlPlane();
    try {
      const when = new Date('2026-01-02T03:04:05.000Z');
      const data: Record<string, unknown> = { plain: 'x', dropped: undefined, when };
      const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sent', namespace: 'default', labels: { a: 'b' } }, data } as unknown as KubeObject;
      const created = await cp.client.create(Resources.configmaps, 'default', body);
      // Undefined members are dropped; a Date goes as its toJSON text.
      assert.deepEqual(created.data, { plain: 'x', when: '2026-01-02T03:04:05.000Z' });
      // The caller's object stays its own: changing it later changes nothing stored.
      data.plain = 'changed';
      (body.metadata!.labels as Record<string, string>).a = 'changed';
      const read = await cp.client.get(Resources.configmaps, 'default', 'sent');
      assert.equal((read.data as Record<string, string>).plain, 'x');
      assert.equal(read.metadata?.labels?.a, 'b');
    } finally {
      await cp.close();
    }
  });
});
