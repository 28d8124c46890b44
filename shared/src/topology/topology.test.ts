import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessRow, SocketRow } from '../protocol/messages';
import { buildTopology, normalizeAddress, topologyIds as ids, type TopologyHostInput } from './topology';

function sock(state: string, local: string, remote: string, pid: number | null, proto: SocketRow['proto'] = 'tcp'): SocketRow {
  const split = (e: string): [string, number] => {
    const i = e.lastIndexOf(':');
    return [e.slice(0, i), Number(e.slice(i + 1))];
  };
  const [localAddr, localPort] = split(local);
  const [remoteAddr, remotePort] = split(remote);
  return { proto, state, localAddr, localPort, remoteAddr, remotePort, inode: 1, pid, process: null };
}

function proc(pid: number, name: string): ProcessRow {
  return { pid, ppid: 1, name, cmd: name, user: 'root', state: 'S', cpuPct: 0, rssBytes: 0, threads: 1, fds: null, startMs: 0 };
}

function host(id: string, addresses: string[], sockets: SocketRow[], processes: ProcessRow[] = []): TopologyHostInput {
  return { id, hostname: `${id}.example`, status: 'live', addresses: ['127.0.0.1', ...addresses], sockets, processes };
}

const connects = (g: ReturnType<typeof buildTopology>) => g.edges.filter((e) => e.kind === 'connects').map((e) => `${e.from} -> ${e.to} :${e.port} x${e.count}`);

test('a loopback connection links client process to server process, and the accepted side adds nothing', () => {
  const g = buildTopology([
    host('a', ['10.0.0.1'], [
      sock('LISTEN', '127.0.0.1:5432', '0.0.0.0:0', 100),
      sock('ESTABLISHED', '127.0.0.1:40000', '127.0.0.1:5432', 200),
      sock('ESTABLISHED', '127.0.0.1:5432', '127.0.0.1:40000', 100),
    ], [proc(100, 'postgres'), proc(200, 'app')]),
  ]);
  assert.deepEqual(connects(g), [`${ids.process('a', 200)} -> ${ids.process('a', 100)} :5432 x1`]);
  const server = g.nodes.find((n) => n.id === ids.process('a', 100));
  assert.equal(server?.label, 'postgres');
  assert.deepEqual(server?.ports, [5432]);
  assert.ok(g.edges.some((e) => e.kind === 'runs' && e.from === ids.host('a') && e.to === ids.process('a', 200)), 'the host runs the client');
  assert.equal(g.nodes.filter((n) => n.kind === 'external').length, 0);
});

test('a cross-host connection finds the server through the inventory address of the other host', () => {
  const g = buildTopology([
    host('web', ['10.0.0.1'], [sock('ESTABLISHED', '10.0.0.1:51000', '10.0.0.2:6379', 7), sock('ESTABLISHED', '10.0.0.1:51001', '10.0.0.2:6379', 7)]),
    host('cache', ['10.0.0.2', 'fe80::1'], [sock('LISTEN', '10.0.0.2:6379', '0.0.0.0:0', 9), sock('ESTABLISHED', '10.0.0.2:6379', '10.0.0.1:51000', 9)], [proc(9, 'redis-server')]),
  ]);
  assert.deepEqual(connects(g), [`${ids.process('web', 7)} -> ${ids.process('cache', 9)} :6379 x2`], 'two connections, one edge counting both');
});

test('listeners on 0.0.0.0 and :: serve every address of their host, IPv4-mapped remotes included', () => {
  const g = buildTopology([
    host('c', ['10.0.0.3'], [
      sock('ESTABLISHED', '10.0.0.3:50000', '10.0.0.4:80', 1),
      sock('ESTABLISHED', '::ffff:10.0.0.3:50001', '::ffff:10.0.0.4:443', 1, 'tcp6'),
    ]),
    host('s', ['10.0.0.4'], [sock('LISTEN', '0.0.0.0:80', '0.0.0.0:0', 2), sock('LISTEN', ':::443', ':::0', 3, 'tcp6')]),
  ]);
  assert.deepEqual(connects(g).sort(), [`${ids.process('c', 1)} -> ${ids.process('s', 2)} :80 x1`, `${ids.process('c', 1)} -> ${ids.process('s', 3)} :443 x1`]);
  assert.equal(normalizeAddress('::FFFF:10.0.0.4'), '10.0.0.4');
});

test('a listener bound to one address does not serve another address of the same host', () => {
  const g = buildTopology([host('a', ['10.0.0.1'], [sock('LISTEN', '127.0.0.1:8080', '0.0.0.0:0', 1), sock('ESTABLISHED', '10.0.0.1:50000', '10.0.0.1:8080', 2)])]);
  assert.deepEqual(connects(g), [`${ids.process('a', 2)} -> ${ids.host('a')} :8080 x1`], 'no listener on 10.0.0.1:8080: the edge ends at the host');
});

test('endpoints no host owns become one external node per address, with the ports reached there', () => {
  const g = buildTopology([
    host('a', ['10.0.0.1'], [
      sock('ESTABLISHED', '10.0.0.1:50000', '93.184.216.34:443', 5),
      sock('ESTABLISHED', '10.0.0.1:50001', '93.184.216.34:80', 5),
      sock('ESTABLISHED', '10.0.0.1:50002', '93.184.216.34:443', 6),
      sock('TIME_WAIT', '10.0.0.1:50003', '1.1.1.1:53', 5),
      sock('ESTABLISHED', '10.0.0.1:50004', '1.1.1.1:53', 5, 'udp'),
    ]),
  ]);
  const ext = g.nodes.filter((n) => n.kind === 'external');
  assert.deepEqual(ext.map((n) => [n.id, n.ports]), [[ids.external('93.184.216.34'), [80, 443]]], 'TIME_WAIT and UDP make no node');
  assert.equal(connects(g).length, 3);
});

test('a process connected to its own listener gets a self-edge, not an external node', () => {
  const g = buildTopology([host('a', [], [sock('LISTEN', '0.0.0.0:9000', '0.0.0.0:0', 42), sock('ESTABLISHED', '127.0.0.1:45000', '127.0.0.1:9000', 42), sock('ESTABLISHED', '127.0.0.1:9000', '127.0.0.1:45000', 42)])]);
  assert.deepEqual(connects(g), [`${ids.process('a', 42)} -> ${ids.process('a', 42)} :9000 x1`]);
  assert.equal(g.nodes.length, 2, 'the host and the process');
});

test('hidden owners fall back to the host node; listening processes appear even without clients', () => {
  const g = buildTopology([host('a', [], [sock('LISTEN', '0.0.0.0:22', '0.0.0.0:0', 11), sock('ESTABLISHED', '127.0.0.1:40000', '127.0.0.1:22', null)], [proc(11, 'sshd')])]);
  assert.deepEqual(connects(g), [`${ids.host('a')} -> ${ids.process('a', 11)} :22 x1`]);
  assert.deepEqual(g.nodes.map((n) => n.kind).sort(), ['host', 'process']);
});
