/**
 * Certificate pinning of the console: the collector trusts exactly one CA, named by the SHA-256 of its
 * certificate (learnt from the enrolment token, kept in the credential). Checked by hand on the TLS socket
 * before anything is sent: the public CA store means nothing on an air-gapped site, and host names
 * cannot be relied on (the console is reached by whatever name or address the site uses).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

export type PinCheck = { ok: true; caPem: string } | { ok: false; reason: string };

/** "AB:CD:…", "sha256:abcd…" or plain hex → lower-case hex, or null when it is not a SHA-256 fingerprint. */
export function normaliseFingerprint(text: string): string | null {
  const hex = text.replace(/^sha-?256:/i, '').replace(/:/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

function sha256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

function toPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

/** The certificates the peer sent, leaf first (Node links them through issuerCertificate; a self-signed one points to itself). */
function peerChain(socket: TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert && cert.raw && chain.length < 8) {
    chain.push(cert.raw);
    if (!cert.issuerCertificate || cert.issuerCertificate === cert || cert.issuerCertificate.raw.equals(cert.raw)) break;
    cert = cert.issuerCertificate;
  }
  return chain;
}

/**
 * The server's certificate must be signed by the pinned CA (sent in the chain, or the leaf itself when it
 * is the pinned certificate) and be within its validity period.
 */
export function checkPinnedPeer(socket: TLSSocket, pinHex: string, now = Date.now()): PinCheck {
  const chain = peerChain(socket);
  const leafDer = chain[0];
  if (!leafDer) return { ok: false, reason: 'the console sent no certificate' };
  const caDer = chain.find((der) => sha256(der) === pinHex);
  if (!caDer) return { ok: false, reason: `the console's certificate chain does not contain the pinned certificate (SHA-256 ${pinHex.slice(0, 16)}…): this is not the console you enrolled with, or someone is in the middle. Nothing was sent` };
  const leaf = new X509Certificate(leafDer);
  const ca = new X509Certificate(caDer);
  if (leafDer !== caDer && !leaf.verify(ca.publicKey)) return { ok: false, reason: 'the console’s server certificate is not signed by the pinned CA. Nothing was sent' };
  if (now < Date.parse(leaf.validFrom) || now > Date.parse(leaf.validTo)) return { ok: false, reason: `the console's certificate is outside its validity (${leaf.validFrom} – ${leaf.validTo}); check both clocks` };
  return { ok: true, caPem: toPem(caDer) };
}
