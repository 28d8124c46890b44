/**
 * The real collector streams this host to the real console: the host appears in the API with CPU, memory,
 * disk, network and process series within 10 s, and the CLI prints what the API serves.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { ROOT, createTokenFile, startCollector, startConsole, tempDir, waitFor } from '../helpers/cerebro';

const run = promisify(execFile);

test('this host appears with CPU, memory, disk, network and process series within 10 s', async (t) => {
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const tokenFile = createTokenFile(home, home);
  const hostId = `it-pipeline-${process.pid}`;
  const started = Date.now();
  const collector = await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile, stateDir: path.join(home, 'collector'), hostId });

  const families = ['cpu.util_pct', 'mem.used_pct', 'disk.', 'fs.used_pct', 'net.rx_bps', 'proc.count'];
  const series = await waitFor(
    `host ${hostId} with series ${families.join(', ')}`,
    async () => {
      if (!collector.proc.running) throw new Error(`collector exited:\n${collector.proc.tail()}`);
      const hosts = await con.api('hosts');
      if (!hosts.some((h) => h.id === hostId)) return null;
      const keys = (await con.api('series', hostId)).map((s) => s.key);
      return families.every((f) => keys.some((k) => k.startsWith(f))) ? keys : null;
    },
    10_000,
  );
  t.diagnostic(`all series families present ${Date.now() - started} ms after the collector started; ${series.length} series`);

  const host = await con.api('host', hostId);
  assert.equal(host.hostname, os.hostname());
  assert.equal(host.status, 'live');
  assert.equal(host.connected, true);

  // Values are plausible and the stream is live: a later query holds more points.
  const cpu = await con.api('query', hostId, { key: 'cpu.util_pct', from: Date.now() - 60_000, to: Date.now() + 1000 });
  assert.equal(cpu.kind, 'raw');
  assert.ok(cpu.kind === 'raw' && cpu.v.every((v) => v >= 0 && v <= 100), 'cpu.util_pct within 0–100');
  const first = cpu.t.length;
  await waitFor('more cpu samples', async () => {
    const later = await con.api('query', hostId, { key: 'cpu.util_pct', from: Date.now() - 60_000, to: Date.now() + 1000 });
    return later.t.length > first;
  }, 5_000);

  // The process table includes the collector itself, with its command line.
  const procs = await waitFor('the process table', async () => {
    const p = await con.api('processes', hostId);
    return p.rows.length > 0 ? p : null;
  }, 5_000);
  const self = procs.rows.find((r) => r.pid === collector.proc.child.pid);
  assert.ok(self, `collector pid ${collector.proc.child.pid} in the process table`);
  assert.match(self.cmd, /cerebro-collector/);

  // The CLI finds the running console through $CEREBRO_HOME and prints one host per line, hostname first.
  const env = { ...process.env, CEREBRO_HOME: home };
  const hostsOut = await run('npx', ['--no', 'cerebro-console', 'hosts'], { cwd: ROOT, env });
  const line = hostsOut.stdout.split('\n').find((l) => l.includes(hostId));
  assert.ok(line, `hosts output lists ${hostId}:\n${hostsOut.stdout}`);
  assert.equal(line.split(/\s+/)[0], os.hostname());
  const seriesOut = await run('npx', ['--no', 'cerebro-console', 'series', hostId], { cwd: ROOT, env });
  assert.match(seriesOut.stdout, /^cpu\.util_pct\s/m);
  const pointsOut = await run('npx', ['--no', 'cerebro-console', 'series', hostId, 'mem.used_pct', '--json'], { cwd: ROOT, env });
  const points = JSON.parse(pointsOut.stdout) as { t: number[] };
  assert.ok(points.t.length > 0, 'series HOST KEY prints points');

  // Ctrl-C (SIGINT) stops both cleanly.
  assert.equal(await collector.proc.stop('SIGINT'), 0, collector.proc.tail());
  assert.equal(await con.proc.stop('SIGINT'), 0, con.proc.tail());
});

test('the CLI says clearly when no console is running', async (t) => {
  const home = tempDir(t);
  await assert.rejects(run('npx', ['--no', 'cerebro-console', 'hosts'], { cwd: ROOT, env: { ...process.env, CEREBRO_HOME: home } }), (e: { stderr: string; code: number }) => {
    assert.match(e.stderr, /no running console found/);
    assert.equal(e.code, 2);
    return true;
  });
});
