/**
 * The console's own certificate authority and the ingest listener's server certificate, made with
 * node:crypto keys and the DER encoder in der.ts (ECDSA P-256 with SHA-256: every TLS stack accepts it).
 *
 * Why a CA and not one self-signed server certificate: collectors pin the CA's SHA-256 fingerprint, so
 * the server certificate (its names, its expiry) can be re-issued without re-enrolling the fleet. The
 * pin, not the certificate's host names, is what a collector trusts: names are informational, because a
 * console on an air-gapped network is reached by whatever name or address the site uses.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import net from 'node:net';
import { bitString, boolean, explicit, implicitPrimitive, octetString, oid, sequence, set, smallInteger, time, unsignedInteger, utf8String } from './der';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

export interface KeyAndCert {
  /** PKCS#8 PEM. */
  readonly keyPem: string;
  readonly certPem: string;
}

const DAY_MS = 86_400_000;

function name(commonName: string): Buffer {
  const rdn = (type: string, value: string): Buffer => set(sequence(oid(type), utf8String(value)));
  return sequence(rdn(OID.organization, 'CEREBRO'), rdn(OID.commonName, commonName));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** SHA-1 of the public key bits (RFC 5280 §4.2.1.2 method 1), the usual key identifier. */
function keyIdentifier(spkiDer: Buffer): Buffer {
  // The SPKI is SEQUENCE { AlgorithmIdentifier, BIT STRING }: for P-256 the key bits are its last 65 bytes.
  return createHash('sha1').update(spkiDer.subarray(spkiDer.length - 65)).digest();
}

function ipBytes(address: string): Buffer | null {
  if (net.isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (address === '::1') return Buffer.concat([Buffer.alloc(15), Buffer.from([1])]);
  return null;
}

function subjectAltNames(dns: readonly string[], ips: readonly string[]): Buffer {
  const names = [...new Set(dns)].filter((d) => /^[A-Za-z0-9.-]{1,253}$/.test(d)).map((d) => implicitPrimitive(2, Buffer.from(d, 'ascii')));
  for (const ip of new Set(ips)) {
    const bytes = ipBytes(ip);
    if (bytes) names.push(implicitPrimitive(7, bytes));
  }
  return sequence(...names);
}

interface TbsInput {
  readonly subject: string;
  readonly issuer: string;
  readonly spkiDer: Buffer;
  readonly issuerSpkiDer: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly Buffer[];
}

function tbsCertificate(input: TbsInput): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40; // positive and exactly 16 bytes (RFC 5280: at most 20)
  return sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    sequence(oid(OID.ecdsaWithSha256)),
    name(input.issuer),
    sequence(time(input.notBefore), time(input.notAfter)),
    name(input.subject),
    input.spkiDer,
    explicit(3, sequence(...input.extensions, extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(input.spkiDer))), extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyIdentifier(input.issuerSpkiDer)))))),
  );
}

function signCertificate(tbs: Buffer, issuerKey: KeyObject): Buffer {
  // node:crypto's ECDSA output is DER (ECDSA-Sig-Value), exactly what X.509's signatureValue holds.
  const signature = sign('sha256', tbs, issuerKey);
  return sequence(tbs, sequence(oid(OID.ecdsaWithSha256)), bitString(signature));
}

function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

function newKey(): { key: KeyObject; spkiDer: Buffer; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { key: privateKey, spkiDer: publicKey.export({ type: 'spki', format: 'der' }), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A self-signed CA (basicConstraints CA, path length 0: it signs server certificates only). */
export function createCertificateAuthority(commonName: string, now = new Date(), years = 20): KeyAndCert {
  const { key, spkiDer, keyPem } = newKey();
  const tbs = tbsCertificate({
    subject: commonName,
    issuer: commonName,
    spkiDer,
    issuerSpkiDer: spkiDer,
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + years * 365 * DAY_MS),
    extensions: [
      extension(OID.basicConstraints, true, sequence(boolean(true), smallInteger(0))),
      extension(OID.keyUsage, true, bitString(Buffer.from([0x06]), 1)), // keyCertSign | cRLSign
    ],
  });
  return { keyPem, certPem: toPem(signCertificate(tbs, key)) };
}

/** A TLS server certificate signed by `ca`, valid for the given host names and IP addresses. */
export function issueServerCertificate(ca: KeyAndCert, names: { readonly dns: readonly string[]; readonly ips: readonly string[] }, now = new Date(), years = 5): KeyAndCert {
  const caCert = new X509Certificate(ca.certPem);
  const { spkiDer, keyPem } = newKey();
  const tbs = tbsCertificate({
    subject: names.dns[0] ?? 'cerebro-console',
    issuer: caCommonName(caCert),
    spkiDer,
    issuerSpkiDer: caCert.publicKey.export({ type: 'spki', format: 'der' }),
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(Math.min(now.getTime() + years * 365 * DAY_MS, new Date(caCert.validTo).getTime())),
    extensions: [
      extension(OID.basicConstraints, true, sequence()),
      extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
      extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
      extension(OID.subjectAltName, false, subjectAltNames(names.dns, names.ips)),
    ],
  });
  return { keyPem, certPem: toPem(signCertificate(tbs, createPrivateKey(ca.keyPem))) };
}

function caCommonName(cert: X509Certificate): string {
  const cn = /CN=([^\n]+)/.exec(cert.subject)?.[1];
  if (!cn) throw new Error(`the CA certificate has no common name (subject ${JSON.stringify(cert.subject)}); delete the trust directory to make a new CA`);
  return cn;
}

/** SHA-256 of a certificate's DER, lower-case hex: the pin collectors keep. */
export function certificateFingerprint(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
}

/** The usual human form of a fingerprint: upper-case hex pairs joined by colons. */
export function formatFingerprint(hex: string): string {
  return hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');
}
