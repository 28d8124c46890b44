/**
 * The three channels against real receivers on loopback: an HTTP server taking the webhook, an SMTP
 * receiver written here that speaks the protocol over TCP and checks the dialogue, a UDP and a TCP syslog socket.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { createCertificateAuthority, issueServerCertificate, type KeyAndCert } from '../trust/certificates';
import { parseNotifyConfig, type SmtpChannel, type SyslogChannel, type WebhookChannel } from './config';
import { incidentMessage } from './message';
import { sendSmtp } from './smtp';
import { sendSyslog } from './syslog';
import { sendWebhook } from './webhook';
import { incident } from './test-fixtures';

const msg = incidentMessage('opened', incident('inc-1', 'critical'), (id) => (id === 'h-web-01' ? 'web-01' : id), 'http://console.example:7071/');

function channel<T>(raw: Record<string, unknown>): T {
  return parseNotifyConfig({ channels: [raw] }).channels[0] as T;
}

test('webhook: a Mattermost/Slack body naming severity, top cause, hosts, times and a console link; non-2xx fails', async (t) => {
  const bodies: unknown[] = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      bodies.push({ ct: req.headers['content-type'], method: req.method, url: req.url, body: JSON.parse(b) });
      res.writeHead(status).end(status === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/abc`;
  const ch = channel<WebhookChannel>({ id: 'mm', type: 'webhook', url });
  await sendWebhook(ch, msg);
  const got = bodies[0] as { ct: string; method: string; url: string; body: { text: string; attachments: Array<{ color: string; title_link: string; fields: Array<{ title: string; value: string }> }> } };
  assert.equal(got.method, 'POST');
  assert.equal(got.url, '/hooks/abc');
  assert.equal(got.ct, 'application/json');
  assert.match(got.body.text, /^\[CRITICAL\] Incident opened: log\.new_template on web-01/);
  assert.match(got.body.text, /Top cause: postgres on web-01 — postgres rss rose from 1\.2 GB to 7\.9 GB/);
  assert.match(got.body.text, /Hosts: web-01/);
  assert.match(got.body.text, /Opened: 2026-03-02 10:00:00 UTC/);
  assert.match(got.body.text, /http:\/\/console\.example:7071\/#\/incidents\/inc-1/);
  assert.equal(got.body.attachments[0]!.color, '#d00000');
  assert.equal(got.body.attachments[0]!.title_link, 'http://console.example:7071/#/incidents/inc-1');
  assert.deepEqual(got.body.attachments[0]!.fields.find((f) => f.title === 'Severity')?.value, 'critical');
  status = 500;
  await assert.rejects(sendWebhook(ch, msg), /answered HTTP 500: boom/);
});

test('webhook over https: the certificate is verified unless the channel says otherwise', async (t) => {
  const ca = createCertificateAuthority('test webhook ca');
  const cert = issueServerCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  let got = '';
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    req.on('data', (d: Buffer) => (got += d.toString()));
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  await assert.rejects(sendWebhook(channel<WebhookChannel>({ id: 'mm', type: 'webhook', url }), msg), /webhook 127\.0\.0\.1:\d+: .*(self.signed|unable to|certificate)/i);
  assert.equal(got, '');
  await sendWebhook(channel<WebhookChannel>({ id: 'mm', type: 'webhook', url, rejectUnauthorized: false }), msg);
  assert.match((JSON.parse(got) as { text: string }).text, /^\[CRITICAL\] Incident opened/);
});

test('webhook: a server that never answers fails after the timeout', async (t) => {
  const server = http.createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.closeAllConnections());
  t.after(() => server.close());
  const ch = channel<WebhookChannel>({ id: 'mm', type: 'webhook', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, timeoutMs: 300 });
  const t0 = Date.now();
  await assert.rejects(sendWebhook(ch, msg), /did not answer within 300 ms/);
  assert.ok(Date.now() - t0 < 3000);
});

interface SmtpLog {
  commands: string[];
  data: string;
  /** Index in `commands` of the first one received over TLS (-1: none). */
  tlsFrom: number;
}

/** An SMTP receiver: EHLO offers `ext`; AUTH PLAIN / LOGIN checked against user/pass; records the commands and the DATA. */
async function smtpReceiver(t: { after: (f: () => void) => void }, ext: string[], creds?: { user: string; pass: string }, cert?: KeyAndCert): Promise<{ port: number; sessions: SmtpLog[] }> {
  const sessions: SmtpLog[] = [];
  const server = net.createServer((plain) => {
    let sock: net.Socket = plain;
    const s: SmtpLog = { commands: [], data: '', tlsFrom: -1 };
    sessions.push(s);
    let buf = '';
    let inData = false;
    let login: 'user' | 'pass' | null = null;
    let user = '';
    const reply = (l: string): boolean => sock.write(l + '\r\n');
    reply('220 test.example ESMTP ready');
    const onData = (d: Buffer): void => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            reply('250 2.0.0 queued as 42');
          } else s.data += line + '\n';
          continue;
        }
        s.commands.push(line);
        if (login === 'user') {
          user = Buffer.from(line, 'base64').toString();
          login = 'pass';
          reply('334 UGFzc3dvcmQ6');
          continue;
        }
        if (login === 'pass') {
          login = null;
          const ok = creds && user === creds.user && Buffer.from(line, 'base64').toString() === creds.pass;
          reply(ok ? '235 2.7.0 ok' : '535 5.7.8 bad credentials');
          continue;
        }
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'STARTTLS' && cert && s.tlsFrom < 0) {
          reply('220 2.0.0 ready to start TLS');
          plain.off('data', onData);
          sock = new tls.TLSSocket(plain, { isServer: true, key: cert.keyPem, cert: cert.certPem });
          sock.on('data', onData);
          sock.on('error', () => undefined);
          s.tlsFrom = s.commands.length;
          return;
        } else if (verb === 'EHLO') {
          // AUTH is offered only over TLS when the receiver can do TLS, as real servers do.
          const lines = ['test.example', ...ext.filter((e) => !(cert && e.startsWith('AUTH') && s.tlsFrom < 0)), ...(cert && s.tlsFrom < 0 ? ['STARTTLS'] : [])];
          lines.forEach((l, j) => reply(`250${j === lines.length - 1 ? ' ' : '-'}${l}`));
        } else if (verb === 'AUTH' && line.toUpperCase().startsWith('AUTH PLAIN ')) {
          const [, u, p] = Buffer.from(line.slice(11), 'base64').toString().split('\0');
          reply(creds && u === creds.user && p === creds.pass ? '235 2.7.0 ok' : '535 5.7.8 bad credentials');
        } else if (verb === 'AUTH' && line.toUpperCase() === 'AUTH LOGIN') {
          login = 'user';
          reply('334 VXNlcm5hbWU6');
        } else if (verb === 'MAIL' || verb === 'RCPT') {
          if (creds && !s.commands.some((c) => c.startsWith('AUTH'))) reply('530 5.7.0 authentication required');
          else reply('250 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 go ahead');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          sock.end();
        } else reply('502 not implemented');
      }
    };
    plain.on('data', onData);
    plain.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return { port: (server.address() as AddressInfo).port, sessions };
}

test('smtp: EHLO, MAIL FROM, RCPT TO for each recipient, DATA with headers and a plain-text body, QUIT', async (t) => {
  const rx = await smtpReceiver(t, ['PIPELINING', '8BITMIME']);
  const ch = channel<SmtpChannel>({ id: 'mail', type: 'smtp', host: '127.0.0.1', port: rx.port, from: 'cerebro@example.com', to: ['ops@example.com', 'dba@example.com'] });
  await sendSmtp(ch, msg);
  const s = rx.sessions[0]!;
  assert.match(s.commands[0]!, /^EHLO \S+$/);
  assert.deepEqual(s.commands.slice(1), ['MAIL FROM:<cerebro@example.com>', 'RCPT TO:<ops@example.com>', 'RCPT TO:<dba@example.com>', 'DATA', 'QUIT']);
  assert.match(s.data, /^From: cerebro@example\.com$/m);
  assert.match(s.data, /^To: ops@example\.com, dba@example\.com$/m);
  assert.match(s.data, /^Subject: \[CRITICAL\] Incident opened: log\.new_template on web-01$/m);
  assert.match(s.data, /^Content-Type: text\/plain; charset=utf-8$/m);
  assert.match(s.data, /\n\n\[CRITICAL\] Incident opened/);
  assert.match(s.data, /^Top cause: postgres on web-01 — postgres rss rose/m);
});

test('smtp: AUTH PLAIN when offered, AUTH LOGIN otherwise; wrong credentials fail naming the step', async (t) => {
  const plain = await smtpReceiver(t, ['AUTH LOGIN PLAIN'], { user: 'bot', pass: 's3cret' });
  await sendSmtp(channel<SmtpChannel>({ id: 'm', type: 'smtp', host: '127.0.0.1', port: plain.port, from: 'a@example.com', to: ['b@example.com'], user: 'bot', password: 's3cret' }), msg);
  assert.equal(plain.sessions[0]!.commands[1], `AUTH PLAIN ${Buffer.from('\0bot\0s3cret').toString('base64')}`);
  assert.ok(plain.sessions[0]!.data.length > 0);

  const login = await smtpReceiver(t, ['AUTH LOGIN'], { user: 'bot', pass: 's3cret' });
  await sendSmtp(channel<SmtpChannel>({ id: 'm', type: 'smtp', host: '127.0.0.1', port: login.port, from: 'a@example.com', to: ['b@example.com'], user: 'bot', password: 's3cret' }), msg);
  assert.deepEqual(login.sessions[0]!.commands.slice(1, 4), ['AUTH LOGIN', Buffer.from('bot').toString('base64'), Buffer.from('s3cret').toString('base64')]);

  await assert.rejects(sendSmtp(channel<SmtpChannel>({ id: 'm', type: 'smtp', host: '127.0.0.1', port: plain.port, from: 'a@example.com', to: ['b@example.com'], user: 'bot', password: 'wrong' }), msg), /AUTH PLAIN: the server answered 535/);
});

test('smtp: STARTTLS required but not offered fails; a silent server times out', async (t) => {
  const rx = await smtpReceiver(t, []);
  await assert.rejects(sendSmtp(channel<SmtpChannel>({ id: 'm', type: 'smtp', host: '127.0.0.1', port: rx.port, starttls: 'require', from: 'a@example.com', to: ['b@example.com'] }), msg), /does not offer STARTTLS/);
  const silent = net.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => silent.close());
  const port = (silent.address() as AddressInfo).port;
  await assert.rejects(sendSmtp(channel<SmtpChannel>({ id: 'm', type: 'smtp', host: '127.0.0.1', port, timeoutMs: 200, from: 'a@example.com', to: ['b@example.com'] }), msg), /greeting: no reply within 200 ms/);
});

test('smtp: STARTTLS when offered, then EHLO again and AUTH over TLS; an unverifiable certificate fails', async (t) => {
  const ca = createCertificateAuthority('test smtp ca');
  const cert = issueServerCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const rx = await smtpReceiver(t, ['AUTH PLAIN'], { user: 'bot', pass: 's3cret' }, cert);
  const ch = { id: 'm', type: 'smtp', host: '127.0.0.1', port: rx.port, from: 'a@example.com', to: ['b@example.com'], user: 'bot', password: 's3cret' };
  await sendSmtp(channel<SmtpChannel>({ ...ch, rejectUnauthorized: false }), msg);
  const s = rx.sessions[0]!;
  assert.deepEqual(s.commands.slice(1, 2), ['STARTTLS']);
  assert.equal(s.tlsFrom, 2);
  assert.match(s.commands[2]!, /^EHLO /);
  assert.match(s.commands[3]!, /^AUTH PLAIN /);
  assert.match(s.data, /Subject: \[CRITICAL\]/);
  // Verified by default: the test CA is not trusted, so nothing is sent.
  await assert.rejects(sendSmtp(channel<SmtpChannel>(ch), msg), /TLS handshake: .*(self.signed|unable to|certificate)/i);
  assert.equal(rx.sessions[1]!.data, '');
  // Off: no STARTTLS, and no AUTH offered in clear, so a configured user cannot log in.
  await assert.rejects(sendSmtp(channel<SmtpChannel>({ ...ch, starttls: 'off' }), msg), /offers no AUTH PLAIN or LOGIN/);
});

const RFC5424 = /^<(\d+)>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (\S+) (\d+) (\S+) (\[cerebro@32473 [^\]]*\]) \ufeff(.*)$/su;

test('syslog: one RFC 5424 line per UDP datagram, severity mapped, facility applied', async (t) => {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  t.after(() => sock.close());
  const got: string[] = [];
  sock.on('message', (m) => got.push(m.toString('utf8')));
  const ch = channel<SyslogChannel>({ id: 'sys', type: 'syslog', host: '127.0.0.1', port: sock.address().port, facility: 4, appName: 'cerebro' });
  await sendSyslog(ch, msg, Date.parse('2026-03-02T10:00:07Z'));
  await sendSyslog(ch, incidentMessage('resolved', incident('inc-1', 'critical', { state: 'resolved', resolvedMs: Date.parse('2026-03-02T10:30:00Z') }), (id) => id, 'http://c/'));
  for (let i = 0; i < 50 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  const m = RFC5424.exec(got[0]!);
  assert.ok(m, got[0]);
  assert.equal(Number(m[1]), 4 * 8 + 2); // facility 4, severity critical (2)
  assert.equal(m[2], '2026-03-02T10:00:07.000Z');
  assert.equal(m[4], 'cerebro');
  assert.equal(m[6], 'opened');
  assert.equal(m[7], '[cerebro@32473 incident="inc-1" event="opened" severity="critical"]');
  assert.match(m[8]!, /\[CRITICAL\] Incident opened: .*top cause: postgres on web-01/);
  assert.equal(Number(RFC5424.exec(got[1]!)?.[1]), 4 * 8 + 5); // resolved: notice
});

test('syslog: TCP frames are octet-counted', async (t) => {
  const frames: string[] = [];
  const server = net.createServer((s) => {
    let b = Buffer.alloc(0);
    s.on('data', (d: Buffer) => (b = Buffer.concat([b, d])));
    s.on('end', () => frames.push(b.toString('utf8')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  await sendSyslog(channel<SyslogChannel>({ id: 's', type: 'syslog', host: '127.0.0.1', port: (server.address() as AddressInfo).port, transport: 'tcp' }), msg);
  for (let i = 0; i < 50 && frames.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const [len, ...rest] = frames[0]!.split(' ');
  const line = rest.join(' ');
  assert.equal(Number(len), Buffer.byteLength(line));
  assert.match(line, RFC5424);
  assert.equal(Number(RFC5424.exec(line)?.[1]), 8 + 2); // default facility 1 (user)
});
