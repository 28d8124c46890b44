import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, SOURCE_NAMES, applyConfig, applyEnv, defaultConfig, finalCheck, loadConfigFile, type CollectorConfig } from './config';

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

/** Run fn, which must throw a ConfigError; returns its message. */
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.name, 'ConfigError');
    return e.message;
  }
  assert.fail('expected a ConfigError, but nothing was thrown');
}

const TOKEN = 'cbt_abcdefghijklmnop';

test('defaults: local console, 1 s interval, every source on with its own cadence, no token', () => {
  const c = defaultConfig();
  assert.equal(c.consoleUrl, 'ws://127.0.0.1:7070/ingest');
  assert.equal(c.token, '');
  assert.equal(c.intervalMs, 1000);
  assert.equal(c.spoolMaxBytes, 256 * 1024 * 1024);
  assert.equal(c.procRoot, '/proc');
  assert.equal(c.sysRoot, '/sys');
  assert.equal(c.logLevel, 'info');
  assert.ok(c.stateDir.endsWith('cerebro-collector'), c.stateDir);
  assert.match(c.hostId, /^[A-Za-z0-9._:-]{1,128}$/, 'the default host id is one the protocol accepts');
  assert.equal(c.hostname, os.hostname());
  assert.deepEqual(Object.keys(c.sources).sort(), [...SOURCE_NAMES].sort());
  for (const name of SOURCE_NAMES) assert.equal(c.sources[name].enabled, true, name);
  assert.equal(c.sources.cpu.intervalTicks, 1);
  // The expensive scans (whole /proc and socket tables) run less often than every tick.
  assert.ok(c.sources.processes.intervalTicks > 1);
  assert.ok(c.sources.sockets.intervalTicks > 1);
});

test('precedence: defaults < config file < environment < flags, field by field', (t) => {
  const dir = tempDir(t);
  const tokenFile = writeJson(dir, 'token', `  ${TOKEN}-file\n`);
  const file = writeJson(dir, 'collector.json', {
    consoleUrl: 'ws://file:7070/ingest',
    tokenFile,
    hostId: 'file-host',
    intervalMs: 5000,
    logLevel: 'debug',
    sources: { sockets: false, processes: { intervalTicks: 10 } },
  });
  const fromFile = loadConfigFile(defaultConfig(), file);
  assert.equal(fromFile.consoleUrl, 'ws://file:7070/ingest');
  assert.equal(fromFile.token, `${TOKEN}-file`, 'the token file is read and trimmed');
  assert.equal(fromFile.intervalMs, 5000);
  assert.deepEqual(fromFile.sources.sockets, { enabled: false, intervalTicks: defaultConfig().sources.sockets.intervalTicks });
  assert.deepEqual(fromFile.sources.processes, { enabled: true, intervalTicks: 10, diskIo: true });
  assert.deepEqual(fromFile.sources.cpu, defaultConfig().sources.cpu, 'sources not named keep their defaults');

  const fromEnv = applyEnv(fromFile, { CEREBRO_CONSOLE_URL: 'wss://env.example:443/ingest', CEREBRO_TOKEN: `${TOKEN}-env`, CEREBRO_HOST_ID: '' });
  assert.equal(fromEnv.consoleUrl, 'wss://env.example:443/ingest');
  assert.equal(fromEnv.token, `${TOKEN}-env`);
  assert.equal(fromEnv.hostId, 'file-host', 'an empty variable does not override');
  assert.equal(fromEnv.intervalMs, 5000, 'fields the environment does not set keep the file value');

  // Flags arrive as strings from parseArgs.
  const fromFlags = applyConfig(fromEnv, { consoleUrl: 'ws://flag:1/ingest', intervalMs: '250', spoolMaxBytes: '2097152', token: undefined }, 'command line');
  assert.equal(fromFlags.consoleUrl, 'ws://flag:1/ingest');
  assert.equal(fromFlags.intervalMs, 250);
  assert.equal(fromFlags.spoolMaxBytes, 2097152);
  assert.equal(fromFlags.token, `${TOKEN}-env`, 'an undefined flag leaves the value alone');
  assert.equal(fromFlags.logLevel, 'debug');
  // Nothing was changed in place.
  assert.equal(fromFile.consoleUrl, 'ws://file:7070/ingest');
  assert.equal(fromFile.sources.sockets.enabled, false);
});

test('applyConfig does not mutate the base config or its sources', () => {
  const base = defaultConfig();
  const snapshot = structuredClone(base) as CollectorConfig;
  applyConfig(base, { intervalMs: 2000, sources: { cpu: false } }, 'test');
  assert.deepEqual(base, snapshot);
});

test('intervalMs "abc" and 50 are refused naming the field, the range and the unit', () => {
  for (const [value, shown] of [
    ['abc', '"abc"'],
    [50, '50'],
    [60_001, '60001'],
    [1.5e3 + 0.5, '1500.5'],
  ] as const) {
    const m = configError(() => applyConfig(defaultConfig(), { intervalMs: value }, 'command line'));
    assert.equal(m, `command line: field "intervalMs" must be an integer from 100 to 60000 (milliseconds), got ${shown}`);
  }
});

test('a consoleUrl that is not ws:// or wss:// is refused with an example', () => {
  for (const url of ['http://x', 'ws://', 'ws://host name/ingest', '']) {
    const m = configError(() => applyConfig(defaultConfig(), { consoleUrl: url }, 'config file c.json'));
    assert.match(m, /^config file c\.json: field "consoleUrl" must be a ws:\/\/ or wss:\/\/ URL such as ws:\/\/127\.0\.0\.1:7070\/ingest, got /);
    assert.ok(m.endsWith(`got ${JSON.stringify(url)}`), m);
  }
});

test('an unknown field is refused, listing the known ones', () => {
  const m = configError(() => applyConfig(defaultConfig(), { consoleURL: 'ws://x:1/' }, 'config file c.json'));
  assert.match(m, /^config file c\.json: unknown field "consoleURL"; known fields are consoleUrl, token, tokenFile, /);
});

test('sources: an unknown source, a bad setting, an unknown setting field and bad intervalTicks are refused by name', () => {
  assert.match(
    configError(() => applyConfig(defaultConfig(), { sources: { gpu: true } }, 'f')),
    /^f: field "sources": unknown source "gpu"; known sources are cpu, load, memory, disks, filesystems, network, processes, sockets$/,
  );
  assert.match(configError(() => applyConfig(defaultConfig(), { sources: ['cpu'] }, 'f')), /^f: field "sources" must be an object such as .*, got \["cpu"\]$/);
  assert.match(configError(() => applyConfig(defaultConfig(), { sources: { cpu: 'on' } }, 'f')), /^f: field "sources"\.cpu must be true, false or \{"enabled": bool, "intervalTicks": n\}, got "on"$/);
  assert.match(configError(() => applyConfig(defaultConfig(), { sources: { cpu: { every: 2 } } }, 'f')), /^f: field "sources"\.cpu: unknown field "every"; known fields are enabled, intervalTicks$/);
  assert.match(configError(() => applyConfig(defaultConfig(), { sources: { disks: { diskIo: false } } }, 'f')), /^f: field "sources"\.disks: unknown field "diskIo"; known fields are enabled, intervalTicks$/);
  assert.match(configError(() => applyConfig(defaultConfig(), { sources: { processes: { diskIo: 'no' } } }, 'f')), /^f: field "sources"\.processes\.diskIo must be true or false, got "no"$/);
  assert.deepEqual(applyConfig(defaultConfig(), { sources: { processes: { diskIo: false } } }, 'f').sources.processes, { enabled: true, intervalTicks: 2, diskIo: false });
  assert.match(configError(() => applyConfig(defaultConfig(), { sources: { cpu: { enabled: 'yes' } } }, 'f')), /^f: field "sources"\.cpu\.enabled must be true or false, got "yes"$/);
  for (const [ticks, shown] of [
    [0, '0'],
    [3601, '3601'],
    [1.5, '1.5'],
    ['two', '"two"'],
  ] as const) {
    assert.equal(
      configError(() => applyConfig(defaultConfig(), { sources: { disks: { intervalTicks: ticks } } }, 'f')),
      `f: field "sources".disks.intervalTicks must be an integer from 1 to 3600 (ticks), got ${shown}`,
    );
  }
});

test('a token that is too short or has spaces is refused, and its value is shown only as given', () => {
  assert.equal(
    configError(() => applyConfig(defaultConfig(), { token: 'short' }, 'environment')),
    'environment: field "token" must be a token of 8–512 printable characters (from `cerebro-console token create`), got "short"',
  );
  assert.match(configError(() => applyConfig(defaultConfig(), { token: 'has a space in it' }, 'f')), /field "token" must be a token of 8–512 printable characters/);
});

test('a tokenFile that is missing or holds a bad token is refused naming the file', (t) => {
  const dir = tempDir(t);
  const missing = path.join(dir, 'nope');
  assert.equal(
    configError(() => applyConfig(defaultConfig(), { tokenFile: missing }, 'command line')),
    `command line: field "tokenFile": cannot read ${missing} (ENOENT); give a readable file holding the token`,
  );
  const short = writeJson(dir, 'short', 'abc\n');
  assert.match(configError(() => applyConfig(defaultConfig(), { tokenFile: short }, 'command line')), new RegExp(`^command line: field "tokenFile" \\(contents of ${short}\\) must be a token of 8–512 printable characters, got "abc"$`));
});

test('other fields are checked too: hostId, logLevel, spoolMaxBytes, empty strings', () => {
  assert.match(configError(() => applyConfig(defaultConfig(), { hostId: 'my host' }, 'f')), /^f: field "hostId" must be 1–128 letters, digits, "\.", "_", ":" or "-", got "my host"$/);
  assert.match(configError(() => applyConfig(defaultConfig(), { logLevel: 'trace' }, 'f')), /^f: field "logLevel" must be one of debug, info, warn, error, got "trace"$/);
  assert.match(configError(() => applyConfig(defaultConfig(), { spoolMaxBytes: 1000 }, 'f')), /^f: field "spoolMaxBytes" must be an integer from 1048576 to .* \(bytes; at least 1 MiB\), got 1000$/);
  assert.match(configError(() => applyConfig(defaultConfig(), { stateDir: '' }, 'f')), /^f: field "stateDir" must be a non-empty string, got ""$/);
  assert.match(configError(() => applyConfig(defaultConfig(), { procRoot: 7 }, 'f')), /^f: field "procRoot" must be a non-empty string, got 7$/);
});

test('a config file that is missing, not JSON, or not one object is refused naming the file', (t) => {
  const dir = tempDir(t);
  const missing = path.join(dir, 'missing.json');
  assert.equal(configError(() => loadConfigFile(defaultConfig(), missing)), `cannot read config file ${missing} (ENOENT)`);
  const notJson = writeJson(dir, 'bad.json', '{"consoleUrl": "ws://x:1/",');
  assert.match(configError(() => loadConfigFile(defaultConfig(), notJson)), new RegExp(`^config file ${notJson} is not valid JSON: `));
  for (const text of ['[{"consoleUrl": "ws://x:1/"}]', 'null', '"ws://x:1/"', '42']) {
    const file = writeJson(dir, 'shape.json', text);
    assert.match(configError(() => loadConfigFile(defaultConfig(), file)), new RegExp(`^config file ${file} must hold one JSON object, e\\.g\\. \\{`), text);
  }
  const bad = writeJson(dir, 'field.json', { intervalMs: 'abc' });
  assert.match(configError(() => loadConfigFile(defaultConfig(), bad)), new RegExp(`^config file ${bad}: field "intervalMs" must be an integer`));
});

test('finalCheck refuses a config without a token, saying every way to give one', () => {
  const m = configError(() => finalCheck(defaultConfig()));
  assert.match(m, /^no ingest token: pass --token, --token-file, CEREBRO_TOKEN or "token"\/"tokenFile" in the config file/);
  assert.doesNotThrow(() => finalCheck(applyConfig(defaultConfig(), { token: TOKEN, plaintext: true }, 'f')));
});

test('finalCheck refuses plain ws:// unless plaintext is asked for, and an unpinned wss:// console', () => {
  const withToken = applyConfig(defaultConfig(), { token: TOKEN }, 'f');
  assert.match(configError(() => finalCheck(withToken)), /ws:\/\/127\.0\.0\.1:7070\/ingest is plaintext: .*needs wss:\/\/.*"plaintext": true/);
  const tls = applyConfig(withToken, { consoleUrl: 'wss://console:7070/ingest' }, 'f');
  assert.match(configError(() => finalCheck(tls)), /not enrolled must be given the console's certificate fingerprint/);
  assert.doesNotThrow(() => finalCheck(applyConfig(tls, { fingerprint: 'AB:'.repeat(31) + 'AB' }, 'f')));
  assert.doesNotThrow(() => finalCheck({ ...tls, token: '' }, true), 'an enrolled collector needs no token');
  assert.match(configError(() => applyConfig(tls, { fingerprint: 'xyz' }, 'f')), /field "fingerprint" must be a SHA-256 fingerprint/);
});

test('environment variables override the config file and are named in errors', () => {
  const fromFile = applyConfig(defaultConfig(), { stateDir: '/from/file', consoleUrl: 'ws://file:7070/ingest' }, 'config file x');
  const c = applyEnv(fromFile, { CEREBRO_COLLECTOR_STATE: '/from/env', CEREBRO_CONSOLE_URL: 'ws://env:7070/ingest' });
  assert.equal(c.stateDir, '/from/env');
  assert.equal(c.consoleUrl, 'ws://env:7070/ingest');
  const message = configError(() => applyEnv(defaultConfig(), { CEREBRO_CONSOLE_URL: 'http://nope' }));
  assert.match(message, /^environment variable CEREBRO_CONSOLE_URL: field "consoleUrl" must be a ws:\/\/ or wss:\/\/ URL/);
});
