/**
 * The ingest port's socket layer: TLS by default, plain HTTP only when the operator asked for it.
 *
 * Every connection's first byte is looked at before anything else: a TLS handshake starts with 0x16, an
 * HTTP request with a letter. A client speaking the wrong one gets a clear refusal instead of an opaque
 * handshake failure: a plaintext client on the TLS port gets `426` with a body saying to use wss://, and
 * a TLS client on a plaintext port is logged (it cannot be answered in a language it understands).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface ListenerOptions {
  /** Key and certificate chain (PEM) for TLS; null: plaintext (only with the explicit plaintext flag). */
  readonly tls: { readonly key: string; readonly cert: string } | null;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export interface IngestListener {
  /** The HTTP(S) server whose 'upgrade' events carry WebSocket handshakes. */
  readonly http: http.Server;
  readonly net: net.Server;
}

const TLS_HANDSHAKE = 0x16;
const FIRST_BYTE_TIMEOUT_MS = 10_000;

export const PLAINTEXT_REFUSAL = 'this CEREBRO console serves its ingest endpoint over TLS only: use a wss:// URL (enrol the collector with `cerebro-collector enroll`), or start the console with --insecure-plaintext for loopback development';

function refusePlaintext(socket: net.Socket): void {
  const body = `${PLAINTEXT_REFUSAL}\n`;
  socket.end(`HTTP/1.1 426 Upgrade Required\r\nUpgrade: TLS/1.3\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function address(socket: net.Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
}

export function createIngestListener(options: ListenerOptions): IngestListener {
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert, minVersion: 'TLSv1.2' }) : http.createServer();
  server.on('tlsClientError', (e: Error, socket: net.Socket) => options.log('warn', `ingest: TLS handshake with ${address(socket)} failed: ${e.message}`));
  const tcp = net.createServer({ pauseOnConnect: true }, (socket) => {
    const timer = setTimeout(() => socket.destroy(), FIRST_BYTE_TIMEOUT_MS);
    socket.once('error', () => undefined);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      socket.unshift(chunk);
      const tlsHello = chunk[0] === TLS_HANDSHAKE;
      if (options.tls && !tlsHello) {
        options.log('warn', `ingest: refused a plaintext connection from ${address(socket)}: ${PLAINTEXT_REFUSAL}`);
        refusePlaintext(socket);
        return;
      }
      if (!options.tls && tlsHello) {
        options.log('warn', `ingest: refused a TLS connection from ${address(socket)}: this console runs with --insecure-plaintext, so collectors must use ws://…; remove the flag to serve wss://`);
        socket.destroy();
        return;
      }
      server.emit('connection', socket);
      // TLS reads the unshifted bytes itself on its next tick (initRead); resuming now would flow them to no one.
      if (!options.tls) socket.resume();
    });
    socket.resume();
  });
  return { http: server, net: tcp };
}
