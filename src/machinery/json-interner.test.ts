import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { JsonInterner } from './json-interner.js';

/** The kubelet's status fields of a pod with one IP (the part unique to each pod). */
function podFields(ip: string): Record<string, unknown> {
  return {
    'f:status': {
      'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } },
      'f:podIP': {},
      'f:podIPs': { '.': {}, [`k:{"ip":"${ip}"}`]: { '.': {}, 'f:ip': {} } },
    },
  };
}

/** A decoded pod of a Deployment: the same template, its own name, node and IP. */
function pod(name: string, node: string, ip: string): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u-1', controller: true }] },
      spec: {
        containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '1m' } } }],
        tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
        nodeName: node,
        priority: 0,
        enableServiceLinks: true,
      },
      status: { phase: 'Running', podIP: ip, hostIPs: [{ ip: '10.64.0.1' }], conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }] },
    }),
  ) as Record<string, unknown>;
}

type Tree = Record<string, Record<string, unknown>>;

describe('JsonInterner', () => {
  it('makes equal trees one object and keeps their JSON', () => {
    const interner = new JsonInterner();
    const a = interner.intern(podFields('10.0.0.1'));
    const b = interner.intern(podFields('10.0.0.1'));
    assert.equal(a, b);
    assert.equal(JSON.stringify(a), JSON.stringify(podFields('10.0.0.1')));
  });

  it('shares the equal subtrees and strings of objects that differ in a few leaves', () => {
    const interner = new JsonInterner();
    const a = interner.intern(pod('web-1-aaaaa', 'node-1', '10.1.0.1')) as Tree;
    const b = interner.intern(pod('web-1-bbbbb', 'node-2', '10.1.0.2')) as Tree;
    assert.equal(JSON.stringify(a), JSON.stringify(pod('web-1-aaaaa', 'node-1', '10.1.0.1')));
    assert.equal(JSON.stringify(b), JSON.stringify(pod('web-1-bbbbb', 'node-2', '10.1.0.2')));
    assert.notEqual(a.spec, b.spec);
    assert.equal(a.spec!.containers, b.spec!.containers);
    assert.equal(a.spec!.tolerations, b.spec!.tolerations);
    assert.equal(a.metadata!.ownerReferences, b.metadata!.ownerReferences);
    assert.equal(a.status!.conditions, b.status!.conditions);
    assert.notEqual(a.metadata, b.metadata);
  });

  it('shares equal values under different keys', () => {
    const interner = new JsonInterner();
    const a = interner.intern(podFields('10.0.0.1')) as Tree;
    const b = interner.intern(podFields('10.0.0.2')) as Tree;
    assert.notEqual(a, b);
    assert.equal(a['f:status']!['f:podIP'], b['f:status']!['f:podIP'], 'leaves are one empty object');
    assert.equal((a['f:status']!['f:podIPs'] as Tree)['k:{"ip":"10.0.0.1"}'], (b['f:status']!['f:podIPs'] as Tree)['k:{"ip":"10.0.0.2"}']);
  });

  it('keeps key order, own "__proto__" keys, and tells orders and values apart', () => {
    const interner = new JsonInterner();
    const input = JSON.parse('{"f:b":{},"__proto__":{"f:x":{}},"f:a":{}}') as object;
    const out = interner.intern(input);
    assert.deepEqual(Object.keys(out), ['f:b', '__proto__', 'f:a']);
    assert.equal(JSON.stringify(out), '{"f:b":{},"__proto__":{"f:x":{}},"f:a":{}}');
    const ab = interner.intern({ a: 1, b: 'x' });
    const ba = interner.intern({ b: 'x', a: 1 });
    assert.notEqual(ab, ba);
    assert.deepEqual(Object.keys(ba), ['b', 'a']);
    assert.notEqual(interner.intern({ a: 1, b: 'y' }), ab);
    assert.notEqual(interner.intern({ a: '1', b: 'x' }), ab, 'a number is not its text');
    assert.notEqual(interner.intern({ a: true }), interner.intern({ a: 'true' }));
    assert.notEqual(interner.intern({ a: null }), interner.intern({ a: 'null' }));
    assert.notEqual(interner.intern([1, 2]), interner.intern({ 0: 1, 1: 2 }));
    assert.equal(interner.intern({ a: 1, b: 'x' }), ab);
  });

  it('leaves undefined members out of comparisons, as JSON does', () => {
    const interner = new JsonInterner();
    const plain = interner.intern({ a: 1, b: 2 });
    assert.equal(interner.intern({ a: 1, skipped: undefined, b: 2 }), plain);
  });

  it('gives arrays their exact length and keeps what is not plain JSON as it is', () => {
    const interner = new JsonInterner();
    const list: unknown[] = [];
    for (let i = 0; i < 3; i++) list.push({ n: i });
    const out = interner.intern(list);
    assert.deepEqual(out, [{ n: 0 }, { n: 1 }, { n: 2 }]);
    const date = new Date(0);
    const odd = { when: date, inner: { a: 1 } };
    assert.equal(interner.intern(odd), odd);
    assert.equal(odd.when, date);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(interner.intern(cyclic), cyclic);
  });

  it('remembers a memoized tree', () => {
    const interner = new JsonInterner();
    const tree = podFields('10.0.0.9');
    const first = interner.internMemoized(tree);
    assert.equal(interner.internMemoized(tree), first);
    assert.equal(interner.internMemoized(first), first);
    // An object holding a memoized tree gets its canonical form (without walking it again).
    const entry = interner.intern({ manager: 'kubelet', fieldsV1: tree }) as Record<string, unknown>;
    assert.equal(entry.fieldsV1, first);
    assert.equal(interner.intern({ manager: 'kubelet', fieldsV1: first }), entry);
  });

  it('holds a bounded number of values however many unique ones pass through, and still shares', () => {
    const interner = new JsonInterner(100);
    for (let i = 0; i < 1000; i++) interner.intern(podFields(`10.1.${i >> 8}.${i & 255}`));
    assert.ok(interner.size <= 200, `${interner.size} values held`);
    const a = interner.intern(podFields('10.0.0.1')) as Tree;
    const b = interner.intern(podFields('10.0.0.2')) as Tree;
    assert.equal(a['f:status']!['f:conditions'], b['f:status']!['f:conditions']);
  });
});

describe('JsonInterner.internAgainst', () => {
  it("shares a new version's unchanged parts with the previous version and interns the changed ones", () => {
    const interner = new JsonInterner();
    const previous = interner.intern(pod('web-1-aaaaa', 'node-1', '10.1.0.1')) as Tree;
    const other = interner.intern(pod('web-1-bbbbb', 'node-2', '10.1.0.2')) as Tree;
    // A status update as the registry makes it: a private deep copy, then changed.
    const next = JSON.parse(JSON.stringify(previous)) as Tree;
    next.status!.podIP = '10.1.0.9';
    next.status!.conditions = [{ type: 'Ready', status: 'True', lastProbeTime: null }];
    const expected = JSON.stringify(next);
    const out = interner.internAgainst(next, previous) as Tree;
    assert.equal(JSON.stringify(out), expected);
    assert.equal(out.spec, previous.spec, 'the unchanged spec is the previous one');
    assert.equal(out.metadata, previous.metadata);
    assert.notEqual(out.status, previous.status);
    assert.equal(out.status!.hostIPs, previous.status!.hostIPs);
    assert.equal(out.status!.conditions, other.status!.conditions, 'a changed part is interned with everyone else');
  });

  it('returns the previous version when nothing changed, and keeps a new member order', () => {
    const interner = new JsonInterner();
    const previous = interner.intern({ a: { x: 1 }, b: [1, 2], c: 'c' });
    assert.equal(interner.internAgainst({ a: { x: 1 }, b: [1, 2], c: 'c' }, previous), previous);
    const reordered = interner.internAgainst({ c: 'c', a: { x: 1 }, b: [1, 2] }, previous);
    assert.notEqual(reordered, previous);
    assert.equal(JSON.stringify(reordered), '{"c":"c","a":{"x":1},"b":[1,2]}');
    const grown = interner.internAgainst({ a: { x: 1 }, b: [1, 2], c: 'c', d: true }, previous) as Record<string, unknown>;
    assert.notEqual(grown, previous);
    assert.equal(grown.a, (previous as Record<string, unknown>).a);
  });
});
