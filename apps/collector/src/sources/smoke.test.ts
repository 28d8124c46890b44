/** Every source on this machine's real /proc and /sys: two ticks, a child process and a TCP pair we own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SOURCES_CONFIG, closeSources, collectTick, createSources, type SourcesConfig } from './index';
import { RecordingOutput } from './test-support';

test('real machine: all sources ok for two ticks; our child process and TCP pair are seen', async (t) => {
  const script = 'setTimeout(()=>{},5000)';
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  t.after(() => child.kill());
  await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));

  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const serverSide = await accepted;
  t.after(() => {
    client.destroy();
    serverSide.destroy();
    server.close();
  });

  const config: SourcesConfig = {
    ...DEFAULT_SOURCES_CONFIG,
    processes: { enabled: true, intervalTicks: 1 },
    sockets: { enabled: true, intervalTicks: 1 },
  };
  const sources = createSources(config, { procRoot: '/proc', sysRoot: '/sys', now: () => Date.now(), log: () => {} });
  t.after(() => closeSources(sources));

  let out = new RecordingOutput();
  for (let tick = 1; tick <= 2; tick++) {
    if (tick === 2) await sleep(1000);
    out = new RecordingOutput();
    const statuses = collectTick(sources, out);
    assert.deepEqual(statuses.filter((s) => !s.ok), [], `tick ${tick}: every source ok`);
    t.diagnostic(`tick ${tick}: ${statuses.map((s) => `${s.source} ${s.durationMs.toFixed(2)} ms`).join(', ')}; ` +
      `${out.samples.size} samples, ${out.procs?.length} procs, ${out.sockets?.length} sockets`);
  }

  const util = out.value('cpu.util_pct');
  assert.ok(util !== undefined && util >= 0 && util <= 100, `cpu.util_pct ${util} in [0, 100]`);
  assert.ok((out.value('mem.total_bytes') ?? 0) > 0, 'mem.total_bytes');
  assert.ok((out.value('fs.size_bytes', { mount: '/' }) ?? 0) > 0, 'fs.size_bytes{mount=/}');
  assert.ok((out.value('proc.count') ?? 0) >= 2, 'proc.count');

  const row = out.procs?.find((p) => p.pid === child.pid);
  assert.ok(row, `child ${child.pid} in the process table`);
  assert.equal(row.cmd, `${process.execPath} -e ${script}`);
  assert.equal(row.ppid, process.pid);
  assert.equal(row.user, userInfo().username);
  assert.ok(row.rssBytes > 0 && row.threads >= 1, 'rss and threads');
  assert.ok(Math.abs(row.startMs - Date.now()) < 60_000, `startMs ${row.startMs} is about now`);

  const comm = readFileSync('/proc/self/comm', 'utf8').trimEnd();
  const mine = (out.sockets ?? []).filter((s) => s.pid === process.pid);
  const listen = mine.find((s) => s.state === 'LISTEN' && s.localPort === port);
  assert.deepEqual(listen && { addr: listen.localAddr, process: listen.process }, { addr: '127.0.0.1', process: comm });
  const established = mine.filter((s) => s.state === 'ESTABLISHED' && (s.localPort === port || s.remotePort === port));
  assert.equal(established.length, 2, 'client and accepted side, both ours');
});
