/** RFC 5424 lines to a collector: one datagram over UDP, or octet-counted frames (RFC 6587) over TCP. */
import dgram from 'node:dgram';
import net from 'node:net';
import type { SyslogChannel } from './config';
import { syslogLine, type NotificationMessage } from './message';

export function sendSyslog(ch: SyslogChannel, m: NotificationMessage, nowMs = Date.now()): Promise<void> {
  const line = Buffer.from(syslogLine(m, ch.facility, ch.appName, nowMs), 'utf8');
  return ch.transport === 'udp' ? udp(ch, line) : tcp(ch, line);
}

function udp(ch: SyslogChannel, line: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(ch.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => done(new Error(`syslog ${ch.host}:${ch.port}: not sent within ${ch.timeoutMs} ms`)), ch.timeoutMs);
    const done = (e?: Error | null): void => {
      clearTimeout(timer);
      sock.close();
      if (e) reject(new Error(`syslog udp ${ch.host}:${ch.port}: ${e.message}`));
      else resolve();
    };
    sock.on('error', done);
    sock.send(line, ch.port, ch.host, done);
  });
}

function tcp(ch: SyslogChannel, line: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: ch.host, port: ch.port });
    sock.setTimeout(ch.timeoutMs, () => sock.destroy(new Error(`no progress within ${ch.timeoutMs} ms`)));
    sock.on('error', (e) => reject(new Error(`syslog tcp ${ch.host}:${ch.port}: ${e.message}`)));
    sock.on('connect', () => sock.end(Buffer.concat([Buffer.from(`${line.length} `), line])));
    sock.on('close', (hadError) => {
      if (!hadError) resolve();
    });
  });
}
