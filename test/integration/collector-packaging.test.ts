/**
 * `npm run package:collector` (scripts/package/collector.ts), built once for this file with --fast: the
 * single executable runs without Node and collects for a real console; its pty host finds the native
 * module beside it or refuses terminals saying why; the .deb holds what it should (and installs and purges
 * as root); the offline bundle's install.sh lays the files out.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenFile, Proc, ROOT, startConsole, tempDir, waitFor, type RunningConsole } from '../helpers/cerebro';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-pkg-'));
const out = path.join(work, 'packages');
const sea = path.join(out, 'cerebro-collector');
let version = '';

before(() => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/package/collector.ts'), '--out', out, '--fast'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `package:collector failed:\n${r.stderr}`);
  version = spawnSync(sea, ['--version'], { encoding: 'utf8' }).stdout.trim();
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** The environment of a host without Node: no node on PATH, no NODE_OPTIONS. */
function noNodeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const bin = path.join(work, 'empty-bin');
  fs.mkdirSync(bin, { recursive: true });
  return { PATH: `${bin}:/usr/sbin:/sbin`, HOME: work, LANG: 'C.UTF-8', ...extra };
}

function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...options });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the single executable answers --version and --help with no node on PATH and no warning', () => {
  const v = run(sea, ['--version'], { env: noNodeEnv() });
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  assert.equal(v.stderr, '', 'no experimental or require() warning on stderr');
  const help = run(sea, ['--help'], { env: noNodeEnv() });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /cerebro-collector enroll <console-url> <token>/);
  assert.equal(help.stderr, '');
  const bad = run(sea, ['run', '--interval', 'abc', '--token', 'abcdefgh12', '--state-dir', path.join(work, 'st')], { env: noNodeEnv() });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /field "intervalMs" must be an integer/);
  assert.ok(fs.statSync(sea).size > 50_000_000, 'node is embedded');
});

test('the single executable collects: its host appears on a console with live metrics and its inventory', async (t) => {
  const dir = tempDir(t);
  const con = await startConsole(t, path.join(dir, 'home'));
  const tokenFile = createTokenFile(con.home, dir);
  const hostId = `sea-${process.pid}`;
  // Started by name from PATH, as an operator would: the inventory child is started again by that name.
  const binDir = path.join(dir, 'bin');
  fs.mkdirSync(binDir);
  fs.symlinkSync(sea, path.join(binDir, 'cerebro-collector'));
  const child = spawn('cerebro-collector', ['run', '--console', con.info.ingestUrl, '--plaintext', '--token-file', tokenFile, '--state-dir', path.join(dir, 'state'), '--interval', '500', '--host-id', hostId, '--no-logs'], {
    env: noNodeEnv({ PATH: `${binDir}:/usr/bin:/bin` }),
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new Proc('sea-collector', child);
  t.after(() => proc.stop('SIGKILL'));
  const host = await waitFor(
    'the single executable to report metrics and inventory',
    async () => {
      if (!proc.running) throw new Error(`collector exited:\n${proc.tail()}`);
      const h = (await con.api('hosts')).find((x) => x.id === hostId);
      if (!h || !h.inventory || h.seriesCount === 0) return null;
      const series = await con.api('series', hostId);
      return series.some((s) => s.key === 'cpu.util_pct') && series.some((s) => s.key.startsWith('mem.')) ? h : null;
    },
    30_000,
    250,
  );
  assert.equal(host.agent.version, version);
  assert.equal(host.inventory?.os.platform, 'linux');
  assert.doesNotMatch(proc.output, /inventory.*failed|uncaught|Warning: Currently the require/i, proc.tail());
  assert.equal(await proc.stop('SIGTERM'), 0, `clean stop:\n${proc.tail()}`);
});

/** The pty host as the collector forks it: `EXE EXE pty-host` (fork(process.argv[1])), over an IPC channel. */
function ptyHost(exe: string, env: NodeJS.ProcessEnv): { child: ChildProcess; messages: Array<{ t: string; message?: string; data?: Uint8Array; code?: number | null }> } {
  const child = spawn(exe, [exe, 'pty-host'], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  const messages: Array<{ t: string }> = [];
  child.on('message', (m: { t: string }) => messages.push(m));
  return { child, messages };
}

const OPEN = { t: 'open', shell: '/bin/sh', args: ['-c', 'echo pty-says-$((6*7))'], cwd: '/', env: { PATH: '/usr/bin:/bin', TERM: 'xterm-256color' }, cols: 80, rows: 24 };

test('terminals: without node-pty beside the executable the pty host refuses, saying why; with it a shell runs', async (t) => {
  const dir = tempDir(t);
  // Alone in a folder: nothing beside it.
  const alone = path.join(dir, 'alone', 'bin', 'cerebro-collector');
  fs.mkdirSync(path.dirname(alone), { recursive: true });
  fs.copyFileSync(sea, alone);
  fs.chmodSync(alone, 0o755);
  const refused = ptyHost(alone, noNodeEnv());
  t.after(() => refused.child.kill('SIGKILL'));
  refused.child.send(OPEN);
  const error = await waitFor('the pty host to refuse', () => refused.messages.find((m) => m.t === 'error'), 15_000);
  assert.match(error.message ?? '', /terminals need the native module @lydell\/node-pty, which a single executable cannot embed/);
  assert.match(error.message ?? '', new RegExp(`${path.join(dir, 'alone', 'lib', 'cerebro-collector', 'node_modules')}`));

  // The offline bundle's layout: bin/cerebro-collector and lib/cerebro-collector/node_modules.
  const tar = path.join(out, `cerebro-collector-${version}-linux-${process.arch}.tar.gz`);
  assert.equal(run('tar', ['-xzf', tar, '-C', dir]).code, 0);
  const top = path.join(dir, `cerebro-collector-${version}-linux-${process.arch}`);
  const ok = ptyHost(path.join(top, 'bin', 'cerebro-collector'), noNodeEnv());
  t.after(() => ok.child.kill('SIGKILL'));
  ok.child.send(OPEN);
  const exit = await waitFor('the shell to run and exit', () => ok.messages.find((m) => m.t === 'exit' || m.t === 'error'), 15_000);
  assert.equal(exit.t, 'exit', JSON.stringify(exit));
  assert.ok(ok.messages.some((m) => m.t === 'ready'));
  const text = Buffer.concat(ok.messages.filter((m) => m.t === 'out').map((m) => Buffer.from(m.data ?? []))).toString();
  assert.match(text, /pty-says-42/);
});

test('the .deb: executable, units, conffile, maintainer scripts, and a unit systemd accepts', (t) => {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const deb = path.join(out, `cerebro-collector_${version}_${arch}.deb`);
  const info = run('dpkg-deb', ['-I', deb]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /Package: cerebro-collector/);
  assert.match(info.stdout, new RegExp(`Version: ${version.replaceAll('.', '\\.')}`));
  assert.match(info.stdout, /Depends: libc6 \(>= 2\.28\)/);
  for (const script of ['postinst', 'prerm', 'postrm', 'conffiles']) assert.match(info.stdout, new RegExp(`\\b${script}\\b`));
  assert.equal(run('dpkg-deb', ['-f', deb, 'Architecture']).stdout.trim(), arch);
  const contents = run('dpkg-deb', ['-c', deb]).stdout;
  for (const file of [
    './usr/bin/cerebro-collector',
    './usr/lib/systemd/system/cerebro-collector.service',
    './usr/lib/systemd/system/cerebro-collector.path',
    './etc/cerebro/collector.json',
    './usr/lib/cerebro-collector/node_modules/@lydell/node-pty/package.json',
    './usr/share/doc/cerebro-collector/README.md',
  ]) {
    assert.match(contents, new RegExp(` ${file.replaceAll('.', '\\.')}\\n`), `${file} in the .deb`);
  }
  assert.match(contents, /-rwxr-xr-x root\/root +\d+ .* \.\/usr\/bin\/cerebro-collector\n/, 'the executable is root-owned and executable');
  const control = path.join(tempDir(t), 'control');
  assert.equal(run('dpkg-deb', ['-e', deb, control]).code, 0);
  assert.equal(fs.readFileSync(path.join(control, 'conffiles'), 'utf8'), '/etc/cerebro/collector.json\n');
  for (const script of ['postinst', 'prerm', 'postrm']) assert.equal(run('sh', ['-n', path.join(control, script)]).code, 0, `${script} parses`);

  const unit = fs.readFileSync(path.join(ROOT, 'scripts/package/collector/cerebro-collector.service'), 'utf8');
  for (const line of ['Type=simple', 'User=cerebro-collector', 'StateDirectory=cerebro-collector', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'AmbientCapabilities=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE', 'CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE']) {
    assert.ok(unit.split('\n').includes(line), `unit has ${line}`);
  }
  assert.match(unit, /^ProtectHome=/m);
});

test('systemd-analyze accepts the units and rates their exposure OK', (t) => {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) return t.skip('systemd-analyze is not installed');
  const dir = tempDir(t);
  // verify insists that ExecStart= exists: point the copy at the built executable.
  const unit = fs.readFileSync(path.join(ROOT, 'scripts/package/collector/cerebro-collector.service'), 'utf8').replaceAll('/usr/bin/cerebro-collector', sea);
  fs.writeFileSync(path.join(dir, 'cerebro-collector.service'), unit);
  fs.copyFileSync(path.join(ROOT, 'scripts/package/collector/cerebro-collector.path'), path.join(dir, 'cerebro-collector.path'));
  const verify = run('systemd-analyze', ['verify', './cerebro-collector.service', './cerebro-collector.path'], { cwd: dir });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.equal((verify.stdout + verify.stderr).trim(), '', 'no warnings');
  const security = run('systemd-analyze', ['security', '--offline=true', './cerebro-collector.service'], { cwd: dir });
  const level = /Overall exposure level for cerebro-collector\.service: ([\d.]+)/.exec(security.stdout);
  assert.ok(level, security.stdout + security.stderr);
  assert.ok(Number(level[1]) <= 4.5, `exposure ${level[1]} (0 best, 10 worst)`);
});

/** The unit's AmbientCapabilities=, for setpriv. */
const UNIT_CAPS = '+dac_read_search,+sys_ptrace';
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));

/**
 * The installed collector as its unit runs it (no systemd here): the cerebro-collector user, no
 * supplementary groups, no new privileges, and the unit's ambient capabilities (or none).
 */
function runAsService(t: TestContext, caps: string, args: string[]): Proc {
  const capArgs = caps ? [`--inh-caps=-all,${caps}`, `--ambient-caps=-all,${caps}`, `--bounding-set=-all,${caps}`] : ['--inh-caps=-all', '--bounding-set=-all'];
  const child = spawn(SETPRIV as string, ['--reuid=cerebro-collector', '--regid=cerebro-collector', '--clear-groups', '--no-new-privs', ...capArgs, '/usr/bin/cerebro-collector', 'run', '--config', '/etc/cerebro/collector.json', ...args], {
    cwd: '/',
    env: noNodeEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new Proc(`service${caps ? ' with capabilities' : ''}`, child);
  t.after(() => proc.stop('SIGKILL'));
  return proc;
}

/** The owner the collector reported for the console's listening ingest socket (null: hidden from it). */
async function ingestSocketOwner(con: RunningConsole, hostId: string, proc: Proc): Promise<number | null> {
  const port = Number(new URL(con.info.ingestUrl).port);
  const row = await waitFor(
    `${hostId}'s socket table with the console's ingest socket`,
    async () => {
      if (!proc.running) throw new Error(`collector exited:\n${proc.tail()}`);
      const table = await con.api('sockets', hostId).catch(() => null);
      return table?.rows.find((r) => r.state === 'LISTEN' && r.localPort === port);
    },
    30_000,
    250,
  );
  return row.pid;
}

test('the .deb installs (user, state directory, path unit enabled), runs with only its capabilities, and purges cleanly', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('installing a .deb needs root');
  if (fs.existsSync('/usr/bin/cerebro-collector') || spawnSync('getent', ['passwd', 'cerebro-collector']).status === 0) {
    return t.skip('a cerebro-collector is installed on this machine already: not touching it');
  }
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const deb = path.join(out, `cerebro-collector_${version}_${arch}.deb`);
  t.after(() => spawnSync('dpkg', ['--purge', 'cerebro-collector'], { encoding: 'utf8' }));
  const install = run('dpkg', ['-i', deb]);
  if (install.code !== 0 && /lock/i.test(install.stderr)) return t.skip(`dpkg is busy: ${install.stderr.trim()}`);
  assert.equal(install.code, 0, install.stdout + install.stderr);
  assert.equal(run('/usr/bin/cerebro-collector', ['--version']).stdout.trim(), version);
  assert.match(run('getent', ['passwd', 'cerebro-collector']).stdout, /^cerebro-collector:x:\d+:\d+:CEREBRO collector:\/var\/lib\/cerebro-collector:\/usr\/sbin\/nologin$/m);
  const state = fs.statSync('/var/lib/cerebro-collector');
  assert.equal(state.mode & 0o777, 0o700);
  assert.equal(String(state.uid), run('id', ['-u', 'cerebro-collector']).stdout.trim());
  assert.ok(fs.existsSync('/etc/cerebro/collector.json'));
  if (fs.existsSync('/usr/bin/deb-systemd-helper')) {
    assert.ok(fs.lstatSync('/etc/systemd/system/paths.target.wants/cerebro-collector.path').isSymbolicLink(), 'the path unit is enabled');
  }
  // The default configuration is valid: `status` reads it and says nothing runs (no systemd here).
  const status = run('/usr/bin/cerebro-collector', ['status', '--config', '/etc/cerebro/collector.json']);
  assert.match(status.stdout, /no collector status in \/var\/lib\/cerebro-collector/);

  // As the unit runs it: the service user sees the socket of a root process (the console) only through the
  // unit's two capabilities; without them the owner is hidden.
  if (SETPRIV) {
    const dir = tempDir(t);
    const con = await startConsole(t, path.join(dir, 'home'));
    const token = fs.readFileSync(createTokenFile(con.home, dir), 'utf8').trim();
    const link = ['--console', con.info.ingestUrl, '--plaintext', '--token', token, '--no-logs', '--interval', '250'];
    const withCaps = runAsService(t, UNIT_CAPS, [...link, '--host-id', `deb-caps-${process.pid}`]);
    assert.equal(await ingestSocketOwner(con, `deb-caps-${process.pid}`, withCaps), con.info.pid, withCaps.tail());
    assert.equal(await withCaps.stop('SIGTERM'), 0, withCaps.tail());
    const without = runAsService(t, '', [...link, '--host-id', `deb-nocaps-${process.pid}`, '--state-dir', '/var/lib/cerebro-collector/nocaps']);
    assert.equal(await ingestSocketOwner(con, `deb-nocaps-${process.pid}`, without), null, without.tail());
    await without.stop('SIGTERM');
  }

  const purge = run('dpkg', ['--purge', 'cerebro-collector']);
  assert.equal(purge.code, 0, purge.stdout + purge.stderr);
  for (const p of ['/usr/bin/cerebro-collector', '/var/lib/cerebro-collector', '/etc/cerebro/collector.json', '/usr/lib/cerebro-collector', '/etc/systemd/system/paths.target.wants/cerebro-collector.path']) {
    assert.ok(!fs.existsSync(p), `${p} is gone after purge`);
  }
  assert.notEqual(spawnSync('getent', ['passwd', 'cerebro-collector']).status, 0, 'the user is gone');
});

test('the offline bundle: install.sh --dry-run changes nothing; --destdir lays out binary, units, config and pty module', (t) => {
  const dir = tempDir(t);
  const tar = path.join(out, `cerebro-collector-${version}-linux-${process.arch}.tar.gz`);
  assert.equal(run('tar', ['-xzf', tar, '-C', dir]).code, 0);
  const top = path.join(dir, `cerebro-collector-${version}-linux-${process.arch}`);
  for (const f of ['install.sh', 'README.md', 'bin/cerebro-collector', 'systemd/cerebro-collector.service', 'systemd/cerebro-collector.path', 'etc/collector.json']) {
    assert.ok(fs.existsSync(path.join(top, f)), `${f} in the bundle`);
  }
  const dest = path.join(dir, 'root');
  const dry = run(path.join(top, 'install.sh'), ['--dry-run', '--destdir', dest], { env: noNodeEnv({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }) });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would run: install -m 0755 .*bin\/cerebro-collector .*\/usr\/local\/bin\/cerebro-collector/);
  assert.ok(!fs.existsSync(dest), 'a dry run writes nothing');

  const real = run(path.join(top, 'install.sh'), ['--destdir', dest, '--prefix', '/opt/cerebro'], { env: noNodeEnv({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }) });
  assert.equal(real.code, 0, real.stdout + real.stderr);
  const bin = path.join(dest, 'opt/cerebro/bin/cerebro-collector');
  assert.equal(fs.statSync(bin).mode & 0o777, 0o755);
  assert.equal(run(bin, ['--version'], { env: noNodeEnv() }).stdout.trim(), version);
  assert.ok(fs.existsSync(path.join(dest, 'opt/cerebro/lib/cerebro-collector/node_modules/@lydell/node-pty/package.json')));
  const unit = fs.readFileSync(path.join(dest, 'etc/systemd/system/cerebro-collector.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/opt\/cerebro\/bin\/cerebro-collector run --config \/etc\/cerebro\/collector\.json$/m);
  assert.ok(fs.existsSync(path.join(dest, 'etc/systemd/system/cerebro-collector.path')));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dest, 'etc/cerebro/collector.json'), 'utf8')), JSON.parse(fs.readFileSync(path.join(top, 'etc/collector.json'), 'utf8')));
  // A second install keeps the administrator's configuration.
  fs.writeFileSync(path.join(dest, 'etc/cerebro/collector.json'), '{"logLevel": "debug"}\n');
  const again = run(path.join(top, 'install.sh'), ['--destdir', dest, '--prefix', '/opt/cerebro']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /kept .*collector\.json/);
  assert.equal(fs.readFileSync(path.join(dest, 'etc/cerebro/collector.json'), 'utf8'), '{"logLevel": "debug"}\n');
  const removed = run(path.join(top, 'install.sh'), ['--destdir', dest, '--prefix', '/opt/cerebro', '--uninstall']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.ok(!fs.existsSync(bin));
});
