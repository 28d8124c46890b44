import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { SocketsSource, hiddenOwnersNotice, parseSockstat6 } from './sockets';
import { SocketOwners, type FdDirOps } from './socket-owners';
import { RecordingOutput, fixture, stageTree, testContext } from './test-support';

test('SocketsSource on hand-made tables: owners, TIME_WAIT counted but not listed', () => {
  const src = new SocketsSource(testContext(fixture('edge/proc'), '/nonexistent'));
  const out = new RecordingOutput();
  src.collect(out);
  src.close();
  const byInode = new Map(out.sockets?.map((s) => [s.inode, s]));
  assert.deepEqual(byInode.get(5001), {
    proto: 'tcp', state: 'LISTEN', localAddr: '0.0.0.0', localPort: 8080, remoteAddr: '0.0.0.0', remotePort: 0,
    inode: 5001, pid: 4242, process: '(my (odd) name)',
  }, 'shared with 4545 after fork: the lowest pid owns it');
  assert.equal(byInode.get(6001)?.process, 'nginx');
  assert.equal(byInode.get(6002)?.pid, null, 'no process holds it and nothing was denied');
  assert.equal(out.sockets?.some((s) => s.state === 'TIME_WAIT'), false);
  assert.equal(out.sockets?.length, 9);
  assert.deepEqual(Object.fromEntries(out.samples), {
    'sock.tcp.listen': 2, 'sock.tcp.established': 3, 'sock.tcp.time_wait': 3, 'sock.udp.count': 3,
  });
  assert.deepEqual(out.notices, []);
});

test('SocketsSource on this machine\'s tables: the python server owns its sockets', () => {
  const src = new SocketsSource(testContext(fixture('host/t0/proc'), '/nonexistent'));
  const out = new RecordingOutput();
  src.collect(out);
  src.close();
  const mine = out.sockets?.filter((s) => s.pid === 7851) ?? [];
  assert.equal(mine.length, 10, 'tcp 3 + tcp6 5 + udp 1 + udp6 1: all but the init listener on port 2024');
  assert.ok(mine.every((s) => s.process === 'python3'), 'owner name is comm');
  assert.equal(out.sockets?.find((s) => s.localPort === 2024)?.pid, null);
});

test('SocketsSource scans every 5th tick and rescans fd directories only for unknown inodes', (t) => {
  const tree = stageTree(fixture('edge/proc'));
  t.after(tree.cleanup);
  const src = new SocketsSource(testContext(tree.dir, '/nonexistent'), { intervalTicks: 5 });
  const scanned: boolean[] = [];
  for (let i = 0; i < 6; i++) {
    const out = new RecordingOutput();
    src.collect(out);
    scanned.push(out.sockets !== undefined);
  }
  assert.deepEqual(scanned, [true, false, false, false, false, true]);
  assert.equal(src.owners.scans, 1, 'same inodes: answered from the cache');

  appendFileSync(`${tree.dir}/net/tcp`, '   5: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9999 1 0\n');
  for (let i = 0; i < 5; i++) src.collect(new RecordingOutput());
  assert.equal(src.owners.scans, 2, 'a new inode triggers one rescan');
  src.close();
});

test('SocketsSource: hidden owners give one notice, repeated only after a visible spell', () => {
  let deny = true;
  const eacces = (path: string): never => {
    throw Object.assign(new Error(`EACCES: permission denied, scandir '${path}'`), { code: 'EACCES' });
  };
  const ops: FdDirOps = {
    readdir: (p) => (deny && p.endsWith('/4545/fd') ? eacces(p) : readdirSync(p)),
    readlink: (p) => readlinkSync(p),
  };
  const tree = stageTree(fixture('edge/proc'));
  try {
    const src = new SocketsSource(testContext(tree.dir, '/nonexistent'), { intervalTicks: 1, fdDirOps: ops });
    const notices: string[] = [];
    const tick = (): RecordingOutput => {
      const out = new RecordingOutput();
      src.collect(out);
      notices.push(...out.notices);
      return out;
    };
    const first = tick();
    assert.equal(first.sockets?.find((s) => s.inode === 6001)?.pid, null, "nginx's fd directory was refused");
    // 6001 (nginx's) plus the 6 sockets no process holds: once something is refused, none can be attributed.
    assert.deepEqual(notices, [hiddenOwnersNotice(7)]);
    tick();
    tick();
    assert.equal(notices.length, 1, 'still hidden: no repeat');

    deny = false;
    appendFileSync(`${tree.dir}/net/udp`, '  999: 0100007F:1F92 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 9998 2 0 0\n');
    const visible = tick();
    assert.equal(visible.sockets?.find((s) => s.inode === 6001)?.process, 'nginx');
    assert.equal(notices.length, 1);

    deny = true;
    appendFileSync(`${tree.dir}/net/udp`, '  998: 0100007F:1F93 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 9997 2 0 0\n');
    tick();
    assert.equal(notices.length, 2, 'hidden again after a spell with none hidden');
    assert.match(notices[1] ?? '', /run as root or grant CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE/);
    src.close();
  } finally {
    tree.cleanup();
  }
});

test('parseSockstat6 reads the IPv6 sockets in use', () => {
  assert.deepEqual(parseSockstat6('TCP6: inuse 3\nUDP6: inuse 0\nUDPLITE6: inuse 0\n'), { tcp6: 3, udp6: 0 });
  assert.equal(parseSockstat6('garbage'), null);
});

test('SocketsSource skips an IPv6 table that sockstat6 says is empty (it costs a walk of the kernel hash table)', (t) => {
  const tree = stageTree(fixture('edge/proc'));
  t.after(tree.cleanup);
  const v6Rows = (): number => {
    const src = new SocketsSource(testContext(tree.dir, '/nonexistent'), { intervalTicks: 1 });
    const out = new RecordingOutput();
    src.collect(out);
    src.close();
    return (out.sockets ?? []).filter((r) => r.proto === 'tcp6').length;
  };
  const withoutSockstat = v6Rows();
  assert.ok(withoutSockstat > 0, 'the fixture has IPv6 TCP sockets, read when sockstat6 is absent');
  writeFileSync(`${tree.dir}/net/sockstat6`, 'TCP6: inuse 0\nUDP6: inuse 0\n');
  assert.equal(v6Rows(), 0, 'not read when sockstat6 says none are in use');
  writeFileSync(`${tree.dir}/net/sockstat6`, 'TCP6: inuse 2\nUDP6: inuse 0\n');
  assert.equal(v6Rows(), withoutSockstat, 'read again as soon as some are');
});

test('SocketOwners re-reads only processes whose descriptor count changed, and everything once a minute while inodes stay unfound', (t) => {
  const tree = stageTree(fixture('edge/proc'));
  t.after(tree.cleanup);
  // The descriptor count that procfs gives by stat() (Linux ≥ 6.2) is simulated by counting the fixture's links.
  const ops: FdDirOps = { readdir: (p) => readdirSync(p), readlink: (p) => readlinkSync(p), fdCount: (p) => readdirSync(p).length };
  let now = 0;
  const owners = new SocketOwners(tree.dir, ops, () => now);
  owners.update(new Set([5001, 6001]));
  const processes = owners.pidReads;
  assert.ok(processes >= 2, 'the first scan reads every process');
  assert.equal(owners.get(6001)?.process, 'nginx');

  // A new socket in 4242: only 4242's count changed, so only it is read again.
  symlinkSync('socket:[9996]', `${tree.dir}/4242/fd/77`);
  now += 1000;
  owners.update(new Set([5001, 6001, 9996]));
  assert.equal(owners.pidReads, processes + 1);
  assert.equal(owners.get(9996)?.pid, 4242);

  // An inode no process holds: nothing changed, nothing is read; it stays unfound.
  now += 1000;
  owners.update(new Set([5001, 6001, 9996, 9995]));
  assert.equal(owners.pidReads, processes + 1);
  assert.equal(owners.get(9995), undefined);

  // 4545 swaps a descriptor for socket 9994 (same count): found by the full re-read a minute later.
  const fd = readdirSync(`${tree.dir}/4545/fd`)[0] as string;
  rmSync(`${tree.dir}/4545/fd/${fd}`);
  symlinkSync('socket:[9994]', `${tree.dir}/4545/fd/${fd}`);
  now += 1000;
  owners.update(new Set([5001, 6001, 9996, 9995, 9994]));
  assert.equal(owners.get(9994), undefined, 'same count: the cache still answers');
  now += 60_000;
  owners.update(new Set([5001, 6001, 9996, 9995, 9994, 9993]));
  assert.equal(owners.get(9994)?.pid, 4545, 'the full re-read finds it');
  assert.equal(owners.pidReads, 2 * processes + 1);
});
