import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../testing/index.js';
import { bootstrapTokenSecret, bootstrapTokenUser, generateBootstrapToken, parseBootstrapToken } from './bootstrap-tokens.js';

checkLeaksAfterAll();

/** The Secret as the API stores it: stringData folded into base64 data. */
function stored(secret: Secret): Secret {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data[k] = Buffer.from(v).toString('base64');
  return { ...secret, stringData: undefined, data };
}

describe('bootstrap tokens', () => {
  it('parses only the <6>.<16> lowercase alphanumeric form', () => {
    assert.deepEqual(parseBootstrapToken('abcdef.0123456789abcdef'), { id: 'abcdef', secret: '0123456789abcdef' });
    assert.equal(parseBootstrapToken('ABCDEF.0123456789abcdef'), undefined);
    assert.equal(parseBootstrapToken('abcdef.0123456789'), undefined);
    assert.equal(parseBootstrapToken('eyJhbGciOi.x.y'), undefined);
    const generated = generateBootstrapToken();
    assert.ok(parseBootstrapToken(`${generated.id}.${generated.secret}`));
  });

  it('authenticates as system:bootstrap:<id> until the expiration', () => {
    const token = { id: 'abcdef', secret: '0123456789abcdef' };
    const now = new Date('2026-01-01T00:00:00Z');
    const secret = stored(bootstrapTokenSecret(token, { ttlSeconds: 3600, now }));
    assert.equal(secret.metadata?.name, 'bootstrap-token-abcdef');
    const user = bootstrapTokenUser(token, secret, now);
    assert.equal(user?.name, 'system:bootstrap:abcdef');
    assert.ok(user?.groups.includes('system:bootstrappers'));
    assert.ok(user?.groups.includes('system:authenticated'));
    assert.equal(bootstrapTokenUser(token, secret, new Date(now.getTime() + 3601_000)), undefined, 'expired');
    assert.equal(bootstrapTokenUser({ id: 'abcdef', secret: 'ffffffffffffffff' }, secret, now), undefined, 'wrong secret');
    assert.equal(bootstrapTokenUser(token, { ...secret, type: 'Opaque' }, now), undefined, 'wrong type');
    assert.equal(bootstrapTokenUser(token, undefined, now), undefined, 'no secret');
  });
});
