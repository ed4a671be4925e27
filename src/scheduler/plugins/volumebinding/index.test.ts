import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { Code, CycleState } from '../../framework/types.js';
import { TestSnapshot, makeNode, makePod, runFilter, summarize } from '../helper/testing.js';
import { ANNOTATION_SELECTED_NODE, ERR_REASON_NODE_CONFLICT, ERR_REASON_PV_NOT_EXIST, ERR_REASON_UNBOUND_IMMEDIATE, VolumeBinding, claimClassName, type ClaimKey } from './index.js';

checkLeaksAfterAll();

const classes: StorageClass[] = [
  { metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'skiff.dev/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
  { metadata: { name: 'fast' }, provisioner: 'example.com/fast', volumeBindingMode: 'Immediate' },
];
const claims: PersistentVolumeClaim[] = [
  { metadata: { namespace: 'default', name: 'bound' }, spec: { volumeName: 'pv-a' }, status: { phase: 'Bound' } },
  { metadata: { namespace: 'default', name: 'bound-nowhere' }, spec: { volumeName: 'pv-gone' }, status: { phase: 'Bound' } },
  { metadata: { namespace: 'default', name: 'wait' }, spec: {} },
  { metadata: { namespace: 'default', name: 'immediate' }, spec: { storageClassName: 'fast' } },
  { metadata: { namespace: 'default', name: 'unknown-class' }, spec: { storageClassName: 'nope' } },
  { metadata: { namespace: 'default', name: 'deleting', deletionTimestamp: '2026-01-01T00:00:00Z' }, spec: {} },
];
const volumes: PersistentVolume[] = [
  {
    metadata: { name: 'pv-a' },
    spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }] } } },
  },
];

function withClaims(name: string, ...claimNames: string[]): Pod {
  const pod = makePod(name).req().obj();
  pod.spec!.volumes = claimNames.map((claimName, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName } }));
  return pod;
}

function plugin(extra: Partial<ConstructorParameters<typeof VolumeBinding>[0]> = {}): VolumeBinding {
  return new VolumeBinding({
    claim: (ns, name) => claims.find((c) => c.metadata?.namespace === ns && c.metadata?.name === name),
    volume: (name) => volumes.find((v) => v.metadata?.name === name),
    storageClasses: () => classes,
    ...extra,
  });
}

const snapshot = new TestSnapshot(['node-a', 'node-b'].map((n) => makeNode(n).labels({ 'kubernetes.io/hostname': n }).obj()));

describe('VolumeBinding', () => {
  it('skips pods without claims', () => {
    const { status } = plugin().preFilter(new CycleState(), makePod('p').obj());
    assert.equal(status.code, Code.Skip);
  });

  it('pins pods with bound claims to their volume nodes', () => {
    assert.deepEqual(summarize(runFilter(plugin(), withClaims('p', 'bound'), snapshot)), { 'node-a': 'ok', 'node-b': `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_CONFLICT}` });
    assert.deepEqual(summarize(runFilter(plugin(), withClaims('p', 'bound-nowhere'), snapshot)), {
      'node-a': `UnschedulableAndUnresolvable: ${ERR_REASON_PV_NOT_EXIST}`,
      'node-b': `UnschedulableAndUnresolvable: ${ERR_REASON_PV_NOT_EXIST}`,
    });
  });

  it('lets WaitForFirstConsumer claims go anywhere', () => {
    assert.deepEqual(summarize(runFilter(plugin(), withClaims('p', 'wait'), snapshot)), { 'node-a': 'ok', 'node-b': 'ok' });
    assert.deepEqual(summarize(runFilter(plugin(), withClaims('p', 'wait', 'bound'), snapshot))['node-b'], `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_CONFLICT}`);
  });

  it('rejects missing, deleting, immediate-unbound and unknown-class claims as upstream', () => {
    const reason = (claimName: string) => {
      const { status } = plugin().preFilter(new CycleState(), withClaims('p', claimName));
      assert.equal(status.code, Code.UnschedulableAndUnresolvable);
      return status.reasons.join(', ');
    };
    assert.equal(reason('ghost'), 'persistentvolumeclaim "ghost" not found');
    assert.equal(reason('deleting'), 'persistentvolumeclaim "deleting" is being deleted');
    assert.equal(reason('immediate'), ERR_REASON_UNBOUND_IMMEDIATE);
    assert.equal(reason('unknown-class'), 'storageclass.storage.k8s.io "nope" not found');
  });

  it('without listers, treats every claim as missing', () => {
    const { status } = new VolumeBinding().preFilter(new CycleState(), withClaims('p', 'bound'));
    assert.deepEqual(status.reasons, ['persistentvolumeclaim "bound" not found']);
  });

  it('PreBind selects the node for delayed claims and waits for them to bind', async () => {
    const selected: Array<[string, string]> = [];
    const waited: ClaimKey[][] = [];
    const binder = plugin({
      selectNode: async (claim, node) => void selected.push([claim.metadata!.name!, node]),
      waitForBound: async (keys) => {
        waited.push([...keys]);
        return undefined;
      },
    });
    const state = new CycleState();
    const pod = withClaims('p', 'wait', 'bound');
    assert.equal(binder.preFilter(state, pod).status.code, Code.Success);
    assert.equal((await binder.preBind(state, pod, 'node-b')).code, Code.Success);
    assert.deepEqual(selected, [['wait', 'node-b']]);
    assert.deepEqual(waited, [[{ namespace: 'default', name: 'wait' }]]);

    const failing = plugin({ selectNode: async () => {}, waitForBound: async () => 'timed out waiting for the condition' });
    const s2 = new CycleState();
    failing.preFilter(s2, pod);
    assert.deepEqual(await failing.preBind(s2, pod, 'node-b'), { code: Code.Error, reasons: ['binding volumes: timed out waiting for the condition'] });
  });

  it('resolves the default class for claims without storageClassName', () => {
    assert.equal(claimClassName({ spec: {} }, classes), 'local-path');
    assert.equal(claimClassName({ spec: { storageClassName: '' } }, classes), '');
    assert.equal(ANNOTATION_SELECTED_NODE, 'volume.kubernetes.io/selected-node');
  });
});
