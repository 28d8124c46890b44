/**
 * A minimal SMTP client (RFC 5321): one message per connection, plain or implicit TLS, STARTTLS when
 * offered (or required), AUTH PLAIN or LOGIN when a user is configured. Every step waits at most
 * `timeoutMs` for its reply, so a silent server cannot hold a delivery forever.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { hostname } from 'node:os';
import tls from 'node:tls';
import type { SmtpChannel } from './config';
import { plainText, subject, type NotificationMessage } from './message';

interface Reply {
  readonly code: number;
  readonly lines: readonly string[];
}

/** Reads CRLF lines off the socket and groups them into replies ("250-…" continues, "250 …" ends). */
class Dialogue {
  private buf = '';
  private lines: string[] = [];
  private readonly replies: Reply[] = [];
  private waiter: { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private error: Error | null = null;
  private readonly onData = (d: Buffer): void => this.feed(d.toString('latin1'));
  private readonly onError = (e: Error): void => this.abort(e);
  private readonly onClose = (): void => this.abort(new Error('the server closed the connection'));

  constructor(
    public socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    this.attach(socket);
  }

  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
  }

  private feed(text: string): void {
    this.buf += text;
    if (this.buf.length > 64 * 1024) return this.abort(new Error('reply longer than 64 KiB'));
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '');
      this.buf = this.buf.slice(i + 1);
      const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!m) return this.abort(new Error(`malformed reply line ${JSON.stringify(line.slice(0, 100))}`));
      this.lines.push(m[3] ?? '');
      if (m[2] !== '-') {
        this.replies.push({ code: Number(m[1]), lines: this.lines });
        this.lines = [];
      }
    }
    this.wake();
  }

  private abort(e: Error): void {
    this.error ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    const r = this.replies.shift();
    if (r) {
      this.waiter = null;
      clearTimeout(w.timer);
      w.resolve(r);
    } else if (this.error) {
      this.waiter = null;
      clearTimeout(w.timer);
      w.reject(this.error);
    }
  }

  /** The next reply; rejects on timeout, a closed connection, or a code other than `expect`. */
  async read(step: string, ...expect: number[]): Promise<Reply> {
    const r = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiter = { resolve, reject, timer };
      this.wake();
    }).catch((e: Error) => Promise.reject(new Error(`${step}: ${e.message}`)));
    if (!expect.includes(r.code)) throw new Error(`${step}: the server answered ${r.code} ${r.lines.join(' ').slice(0, 200)}`);
    return r;
  }

  async command(line: string, step: string, ...expect: number[]): Promise<Reply> {
    this.socket.write(line + '\r\n');
    return this.read(step, ...expect);
  }
}

/** RFC 5322 message: headers, a blank line, the text body with dot-stuffing (lines starting with "."). */
export function buildMessage(ch: SmtpChannel, m: NotificationMessage, nowMs: number): string {
  const encodedSubject = /^[\x20-\x7e]*$/.test(subject(m)) ? subject(m) : `=?UTF-8?B?${Buffer.from(subject(m)).toString('base64')}?=`;
  const headers = [
    `From: ${ch.from}`,
    `To: ${ch.to.join(', ')}`,
    `Subject: ${encodedSubject}`,
    `Date: ${new Date(nowMs).toUTCString()}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@cerebro>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    ...(m.incidentId ? [`X-Cerebro-Incident: ${m.incidentId}`] : []),
  ];
  const body = plainText(m).split(/\r?\n/).map((l) => (l.startsWith('.') ? '.' + l : l));
  return [...headers, '', ...body].join('\r\n');
}

export async function sendSmtp(ch: SmtpChannel, m: NotificationMessage, nowMs = Date.now()): Promise<void> {
  const where = `smtp ${ch.host}:${ch.port}`;
  const socket = ch.secure ? tls.connect({ host: ch.host, port: ch.port, servername: net.isIP(ch.host) ? undefined : ch.host, rejectUnauthorized: ch.rejectUnauthorized }) : net.connect({ host: ch.host, port: ch.port });
  socket.on('error', () => undefined); // reported through the dialogue
  const d = new Dialogue(socket, ch.timeoutMs);
  try {
    const me = hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'cerebro';
    await d.read('greeting', 220);
    let ehlo = await d.command(`EHLO ${me}`, 'EHLO', 250);
    const offers = (r: Reply, ext: string): string | undefined => r.lines.slice(1).find((l) => l.toUpperCase().split(' ')[0] === ext);
    if (!ch.secure && ch.starttls !== 'off') {
      if (offers(ehlo, 'STARTTLS') !== undefined) {
        await d.command('STARTTLS', 'STARTTLS', 220);
        d.detach();
        const secured = tls.connect({ socket, servername: net.isIP(ch.host) ? undefined : ch.host, rejectUnauthorized: ch.rejectUnauthorized });
        secured.on('error', () => undefined);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`TLS handshake: not done within ${ch.timeoutMs} ms`)), ch.timeoutMs);
          secured.once('secureConnect', () => (clearTimeout(timer), resolve()));
          secured.once('error', (e) => (clearTimeout(timer), reject(new Error(`TLS handshake: ${e.message}`))));
        });
        d.attach(secured);
        ehlo = await d.command(`EHLO ${me}`, 'EHLO after STARTTLS', 250);
      } else if (ch.starttls === 'require') {
        throw new Error('the server does not offer STARTTLS and the channel requires it ("starttls": "require")');
      }
    }
    if (ch.user !== undefined && ch.password !== undefined) {
      const mechs = (offers(ehlo, 'AUTH') ?? '').toUpperCase().split(/\s+/).slice(1);
      if (mechs.includes('PLAIN')) {
        await d.command(`AUTH PLAIN ${Buffer.from(`\0${ch.user}\0${ch.password}`).toString('base64')}`, 'AUTH PLAIN', 235);
      } else if (mechs.includes('LOGIN')) {
        await d.command('AUTH LOGIN', 'AUTH LOGIN', 334);
        await d.command(Buffer.from(ch.user).toString('base64'), 'AUTH LOGIN user', 334);
        await d.command(Buffer.from(ch.password).toString('base64'), 'AUTH LOGIN password', 235);
      } else {
        throw new Error(`a user is configured but the server offers no AUTH PLAIN or LOGIN (offers: ${mechs.join(' ') || 'none'})`);
      }
    }
    await d.command(`MAIL FROM:<${ch.from}>`, 'MAIL FROM', 250);
    for (const to of ch.to) await d.command(`RCPT TO:<${to}>`, `RCPT TO ${to}`, 250, 251);
    await d.command('DATA', 'DATA', 354);
    await d.command(buildMessage(ch, m, nowMs) + '\r\n.', 'message', 250);
    // The message is accepted; QUIT is a courtesy whose failure changes nothing.
    await d.command('QUIT', 'QUIT', 221).catch(() => undefined);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  } finally {
    d.detach();
    d.socket.destroy();
    socket.destroy();
  }
}
