/**
 * Run by sockets-unprivileged.test.ts as an unprivileged user: three socket scans of the real /proc,
 * with a listener of our own, printed as JSON on stdout.
 */
import { createServer } from 'node:net';
import type { SocketRow } from '@cerebro/shared/protocol/messages';
import type { CollectOutput } from './source';
import { SocketsSource } from './sockets';

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
const ownPort = typeof address === 'object' && address ? address.port : 0;

const src = new SocketsSource(
  { procRoot: '/proc', sysRoot: '/sys', now: () => Date.now(), log: () => {} },
  { intervalTicks: 1 },
);
const notices: string[] = [];
let sockets: SocketRow[] = [];
for (let i = 0; i < 3; i++) {
  const out: CollectOutput = { gauge: () => {}, notice: (text) => notices.push(text) };
  src.collect(out);
  sockets = out.sockets ?? [];
}
src.close();
server.close();
process.stdout.write(JSON.stringify({ pid: process.pid, uid: process.getuid?.(), ownPort, notices, sockets }));
