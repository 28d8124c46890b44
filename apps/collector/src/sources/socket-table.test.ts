import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAddress, parseSocketTable, socketStateName } from './socket-table';
import { readFixture } from './test-support';

test('decodeAddress: IPv4 and IPv6 words are little-endian; IPv4-mapped becomes IPv4', () => {
  assert.equal(decodeAddress('0100007F'), '127.0.0.1');
  assert.equal(decodeAddress('0F02000A'), '10.0.2.15');
  assert.equal(decodeAddress('00000000'), '0.0.0.0');
  assert.equal(decodeAddress('00000000000000000000000000000000'), '::');
  assert.equal(decodeAddress('00000000000000000000000001000000'), '::1');
  assert.equal(decodeAddress('B80D0120000000000000000001000000'), '2001:db8::1');
  assert.equal(decodeAddress('000080FE00000000FF4C5402FE9F2C13'), 'fe80::254:4cff:132c:9ffe');
  assert.equal(decodeAddress('0000000000000000FFFF00000100007F'), '127.0.0.1');
  // One zero group is not compressed (RFC 5952 §4.2.2); the longest run wins.
  assert.equal(decodeAddress('B80D0120010000000100010001000100'), '2001:db8:0:1:1:1:1:1');
  assert.equal(decodeAddress('B80D0120000000000100000000000000'), '2001:db8::1:0:0');
  // A tie between two runs of two: the leftmost is compressed.
  assert.equal(decodeAddress('00000120010000000000000001000100'), '2001::1:0:0:1:1');
});

test('socketStateName: TCP codes; UDP 07 is UNCONN', () => {
  assert.equal(socketStateName('tcp', '0A'), 'LISTEN');
  assert.equal(socketStateName('tcp6', '01'), 'ESTABLISHED');
  assert.equal(socketStateName('tcp', '06'), 'TIME_WAIT');
  assert.equal(socketStateName('tcp', '07'), 'CLOSE');
  assert.equal(socketStateName('udp', '07'), 'UNCONN');
  assert.equal(socketStateName('udp6', '01'), 'ESTABLISHED');
  assert.equal(socketStateName('tcp', '0d'), 'UNKNOWN_0D');
});

test('parseSocketTable on this machine: listener and established pair on 127.0.0.1', () => {
  const rows = parseSocketTable(readFixture('host/t0/proc/net/tcp'), 'tcp');
  assert.deepEqual(rows[0], {
    proto: 'tcp', state: 'LISTEN', localAddr: '0.0.0.0', localPort: 2024, remoteAddr: '0.0.0.0', remotePort: 0, inode: 1031,
  });
  assert.deepEqual(rows.map((r) => `${r.state} ${r.localAddr}:${r.localPort}>${r.remotePort}`), [
    'LISTEN 0.0.0.0:2024>0', 'LISTEN 127.0.0.1:18080>0', 'ESTABLISHED 127.0.0.1:33822>18080', 'ESTABLISHED 127.0.0.1:18080>33822',
  ]);
  const six = parseSocketTable(readFixture('host/t0/proc/net/tcp6'), 'tcp6');
  assert.deepEqual(six.map((r) => `${r.state} ${r.localAddr} ${r.remoteAddr}`), [
    'LISTEN :: ::', 'ESTABLISHED ::1 ::1', 'ESTABLISHED 127.0.0.1 127.0.0.1', 'ESTABLISHED 127.0.0.1 127.0.0.1', 'ESTABLISHED ::1 ::1',
  ]);
  const udp = parseSocketTable(readFixture('host/t0/proc/net/udp'), 'udp');
  assert.deepEqual(udp.map((r) => [r.state, r.localPort]), [['UNCONN', 15353]]);
});

test('parseSocketTable on hand-made rows: TIME_WAIT has inode 0, connected UDP, IPv6 remote', () => {
  const tcp = parseSocketTable(readFixture('edge/proc/net/tcp'), 'tcp');
  assert.deepEqual(tcp[1], {
    proto: 'tcp', state: 'ESTABLISHED', localAddr: '10.0.2.15', localPort: 8080, remoteAddr: '192.168.1.100', remotePort: 54321, inode: 5002,
  });
  assert.equal(tcp[2]?.state, 'TIME_WAIT');
  assert.equal(tcp[2]?.inode, 0);
  const tcp6 = parseSocketTable(readFixture('edge/proc/net/tcp6'), 'tcp6');
  assert.deepEqual([tcp6[1]?.localAddr, tcp6[1]?.remoteAddr, tcp6[1]?.remotePort], ['127.0.0.1', '10.0.2.15', 50000]);
  assert.deepEqual([tcp6[2]?.localAddr, tcp6[2]?.remoteAddr], ['2001:db8::1', 'fe80::254:4cff:132c:9ffe']);
  const udp = parseSocketTable(readFixture('edge/proc/net/udp'), 'udp');
  assert.deepEqual(udp.map((r) => `${r.state} ${r.localAddr}:${r.localPort} ${r.remoteAddr}:${r.remotePort}`), [
    'UNCONN 127.0.0.53:53 0.0.0.0:0', 'ESTABLISHED 10.0.2.15:40000 8.8.8.8:53',
  ]);
});
