// TLS pass-through: a nats-server with a certificate from a throwaway CA; the client trusts it only
// when given the CA file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, KeelError } from '../../src/client/index.js';
import { startNatsServer } from '../helpers/nats.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-tls-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A CA and a server certificate for 127.0.0.1 signed by it (EC keys: fast to make). */
function makeCertificates(): { ca: string; cert: string; key: string } {
  const f = (name: string): string => join(dir, name);
  const ssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=keel-test-ca');
  ssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('server.pem'), '-days', '1', '-extfile', f('san.ext'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

test('tls.caFile reaches NATS: trusted with the CA, refused without it', async () => {
  const certs = makeCertificates();
  const nats = await startNatsServer({ tls: { certFile: certs.cert, keyFile: certs.key } });
  try {
    const client = await connect({ servers: nats.url, tls: { caFile: certs.ca }, deadlineMs: 200 });
    assert.ok(client.natsConnections[0].info?.tls_required, 'the connection is TLS');
    const err = await client.status().then(() => null, (e: unknown) => e);
    assert.is((err as KeelError).code, 'Timeout', 'connected; no node answers here');
    await client.close();
    const refused = await connect({ servers: nats.url }).then(() => null, (e: unknown) => e);
    assert.instance(refused, KeelError);
    assert.is((refused as KeelError).code, 'Unavailable');
    assert.match((refused as Error).message, /certificate/i);
  } finally {
    await nats.stop();
  }
});

test.run();
