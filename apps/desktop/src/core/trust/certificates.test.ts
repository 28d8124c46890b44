import assert from 'node:assert/strict';
import https from 'node:https';
import { test } from 'node:test';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { certificateFingerprint, createCertificateAuthority, formatFingerprint, issueServerCertificate } from './certificates';

test('the CA is a self-signed CA certificate that X509Certificate parses and verifies', () => {
  const ca = createCertificateAuthority('CEREBRO console CA test');
  const cert = new X509Certificate(ca.certPem);
  assert.equal(cert.ca, true);
  assert.match(cert.subject, /CN=CEREBRO console CA test/);
  assert.equal(cert.subject, cert.issuer);
  assert.equal(cert.verify(cert.publicKey), true, 'self-signature verifies');
  assert.ok(new Date(cert.validTo).getTime() > Date.now() + 19 * 365 * 86_400_000);
  assert.equal(certificateFingerprint(ca.certPem), cert.fingerprint256.replaceAll(':', '').toLowerCase());
  assert.equal(formatFingerprint(certificateFingerprint(ca.certPem)), cert.fingerprint256);
});

test('the server certificate is issued by the CA, not a CA itself, and names its hosts', () => {
  const ca = createCertificateAuthority('test CA');
  const server = issueServerCertificate(ca, { dns: ['localhost', 'console.example'], ips: ['127.0.0.1', '::1'] });
  const cert = new X509Certificate(server.certPem);
  const caCert = new X509Certificate(ca.certPem);
  assert.equal(cert.ca, false);
  assert.equal(cert.checkIssued(caCert), true);
  assert.equal(cert.verify(caCert.publicKey), true);
  assert.equal(cert.verify(new X509Certificate(createCertificateAuthority('other CA').certPem).publicKey), false, 'another CA did not sign it');
  assert.equal(cert.subjectAltName, 'DNS:localhost, DNS:console.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.equal(cert.checkHost('console.example'), 'console.example');
});

test('OpenSSL accepts the chain in a real TLS handshake that trusts only the CA, and refuses another CA', async (t) => {
  const ca = createCertificateAuthority('handshake CA');
  const server = issueServerCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const srv = https.createServer({ key: server.keyPem, cert: server.certPem + ca.certPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => srv.close());
  const port = (srv.address() as { port: number }).port;
  const connect = (caPem: string): Promise<{ authorized: boolean; error?: string }> =>
    new Promise((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: [caPem], rejectUnauthorized: false }, () => {
        resolve({ authorized: s.authorized, ...(s.authorizationError ? { error: String(s.authorizationError) } : {}) });
        s.end();
      });
      s.on('error', (e) => resolve({ authorized: false, error: e.message }));
    });
  assert.deepEqual(await connect(ca.certPem), { authorized: true });
  const other = await connect(createCertificateAuthority('other').certPem);
  assert.equal(other.authorized, false);
  assert.match(other.error ?? '', /UNABLE_TO_GET_ISSUER_CERT|unable to get|SELF_SIGNED/i);
});
