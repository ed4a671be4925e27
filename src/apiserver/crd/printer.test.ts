import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonPath } from './jsonpath.js';
import { customResourceTablePrinter, humanDuration } from './printer.js';

const now = new Date('2024-05-01T12:00:00Z');
const obj = {
  apiVersion: 'stable.example.com/v1',
  kind: 'CronTab',
  metadata: { name: 'my-cron', creationTimestamp: '2024-05-01T11:55:00Z' },
  spec: { replicas: 3, cronSpec: '* * * * */5', image: 'busybox', ratio: 1.5, suspend: false, selector: { matchLabels: { app: 'x' } } },
  status: {
    conditions: [
      { type: 'Synced', status: 'False' },
      { type: 'Ready', status: 'True', lastTransitionTime: '2024-04-29T12:00:00Z' },
    ],
  },
};

describe('custom resource table printer', () => {
  it('prints NAME and AGE when the CRD has no columns', () => {
    const printer = customResourceTablePrinter(undefined);
    assert.deepEqual(
      printer.columns.map((c) => [c.name, c.type, c.format]),
      [
        ['Name', 'string', 'name'],
        ['Age', 'date', ''],
      ],
    );
    assert.match(printer.columns[1]!.description, /^CreationTimestamp is a timestamp/);
    assert.deepEqual(printer.row(obj, now), ['my-cron', '5m']);
  });

  it('evaluates additionalPrinterColumns with their types', () => {
    const printer = customResourceTablePrinter([
      { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec', description: 'the schedule' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio', priority: 1 },
      { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Since', type: 'date', jsonPath: '.status.conditions[?(@.type=="Ready")].lastTransitionTime' },
      { name: 'Selector', type: 'string', jsonPath: '.spec.selector' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
      { name: 'WrongType', type: 'integer', jsonPath: '.spec.image' },
    ]);
    assert.deepEqual(
      printer.columns.map((c) => c.name),
      ['Name', 'Spec', 'Replicas', 'Ratio', 'Suspended', 'Ready', 'Since', 'Selector', 'Missing', 'WrongType'],
    );
    assert.equal(printer.columns[1]!.description, 'the schedule');
    assert.equal(printer.columns[2]!.description, 'Custom resource definition column (in JSONPath format): .spec.replicas');
    assert.equal(printer.columns[3]!.priority, 1);
    assert.deepEqual(printer.row(obj, now), ['my-cron', '* * * * */5', 3, 1.5, false, 'True', '2d', '{"matchLabels":{"app":"x"}}', null, null]);
  });

  it('renders bad dates as upstream does', () => {
    const printer = customResourceTablePrinter([{ name: 'When', type: 'date', jsonPath: '.spec.when' }]);
    assert.deepEqual(printer.row({ metadata: { name: 'a' }, spec: { when: 'soon' } }, now), ['a', '<invalid>']);
  });
});

describe('humanDuration', () => {
  it('matches apimachinery duration.HumanDuration', () => {
    const s = 1000;
    assert.equal(humanDuration(5 * s), '5s');
    assert.equal(humanDuration(119 * s), '119s');
    assert.equal(humanDuration(150 * s), '2m30s');
    assert.equal(humanDuration(600 * s), '10m');
    assert.equal(humanDuration(3 * 3600 * s + 5 * 60 * s), '3h5m');
    assert.equal(humanDuration(30 * 3600 * s), '30h');
    assert.equal(humanDuration(3 * 86400 * s + 2 * 3600 * s), '3d2h');
    assert.equal(humanDuration(40 * 86400 * s), '40d');
    assert.equal(humanDuration(800 * 86400 * s), '2y70d');
    assert.equal(humanDuration(-5 * s), '<invalid>');
  });
});

describe('jsonpath', () => {
  const doc = { items: [{ name: 'a', n: 1, tags: ['x'] }, { name: 'b', n: 2, tags: ['y', 'z'] }], map: { 'a.b': 1 } };
  it('selects fields, indices, slices, wildcards and filters', () => {
    assert.deepEqual(parseJsonPath('.items[0].name').find(doc), ['a']);
    assert.deepEqual(parseJsonPath('{.items[-1].name}').find(doc), ['b']);
    assert.deepEqual(parseJsonPath('.items[*].name').find(doc), ['a', 'b']);
    assert.deepEqual(parseJsonPath('.items[0:1].n').find(doc), [1]);
    assert.deepEqual(parseJsonPath('.items[?(@.n > 1)].name').find(doc), ['b']);
    assert.deepEqual(parseJsonPath('.items[?(@.name=="a")].tags[0]').find(doc), ['x']);
    assert.deepEqual(parseJsonPath(".map['a.b']").find(doc), [1]);
    assert.deepEqual(parseJsonPath('..name').find(doc), ['a', 'b']);
    assert.deepEqual(parseJsonPath('.nothing.here').find(doc), []);
  });
});
