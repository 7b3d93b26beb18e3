// The CLI's connection settings: flags, else KEEL_* variables (the admin identity by KEEL_NKEY).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectOptionsOf } from '../../src/cli/connection.js';

test('KEEL_* variables fill what no flag sets; a flag wins', () => {
  const env = { KEEL_SERVERS: 'nats://h:1', KEEL_CLUSTER: 'prod', KEEL_NKEY: '/keys/admin.nk', KEEL_TLS_CA: '/ca.pem' };
  const o = connectOptionsOf({}, env);
  assert.is(o.servers, 'nats://h:1');
  assert.is(o.cluster, 'prod');
  assert.is(o.nkeyFile, '/keys/admin.nk');
  assert.equal(o.tls, { caFile: '/ca.pem', certFile: undefined, keyFile: undefined });
  const flagged = connectOptionsOf({ nkey: '/keys/client.nk', servers: 'nats://f:2' }, env);
  assert.is(flagged.nkeyFile, '/keys/client.nk');
  assert.is(flagged.servers, 'nats://f:2');
  assert.is(connectOptionsOf({}, {}).nkeyFile, undefined);
});

test.run();
