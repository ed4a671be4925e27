import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatastoreUrlError, parseDatastoreUrl } from './datastore-url.js';

describe('parseDatastoreUrl', () => {
  it('reads the three schemes', () => {
    assert.deepEqual(parseDatastoreUrl('sqlite:///var/lib/skiff/state.db'), { kind: 'sqlite', path: '/var/lib/skiff/state.db' });
    assert.deepEqual(parseDatastoreUrl('sqlite://data/state.db'), { kind: 'sqlite', path: 'data/state.db' });
    assert.deepEqual(parseDatastoreUrl('etcd://127.0.0.1:2379,[::1]:2380'), { kind: 'etcd', endpoints: ['http://127.0.0.1:2379', 'http://[::1]:2380'] });
    assert.deepEqual(parseDatastoreUrl('memory://'), { kind: 'memory' });
  });

  it('says what is wrong with a bad URL', () => {
    assert.throws(() => parseDatastoreUrl('/tmp/state.db'), /not of the form sqlite:\/\/PATH/);
    assert.throws(() => parseDatastoreUrl('mysql://x'), /unknown datastore scheme "mysql"/);
    assert.throws(() => parseDatastoreUrl('etcd://localhost'), /"localhost" is not HOST:PORT/);
    assert.throws(() => parseDatastoreUrl('etcd://h:99999'), DatastoreUrlError);
    assert.throws(() => parseDatastoreUrl('sqlite://'), /needs a file path/);
  });
});
