// `npm start`: build, start the console and a collector for this machine on loopback, enrolled over TLS
// with a one-time token the first time (the same two steps as on any other host), print where to look,
// and stop both cleanly on Ctrl-C.
// Where an Electron binary exists (scripts/electron-binary.mjs; found without triggering a download) the
// console is the desktop app, which runs the core in a utility process; otherwise the core runs headless
// and the UI is served to a browser (browser mode) at the printed address.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ELECTRON_HINT, findElectron } from './electron-binary.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const home = process.env.CEREBRO_HOME ? path.resolve(process.env.CEREBRO_HOME) : path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'cerebro');
const env = { ...process.env, CEREBRO_HOME: home };
const consoleBin = path.join(root, 'apps/desktop/bin/cerebro-console.mjs');
const collectorBin = path.join(root, 'apps/collector/bin/cerebro-collector.mjs');
const say = (line) => process.stderr.write(`[start] ${line}\n`);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) {
    say(`${path.basename(args[0] ?? cmd)} ${args.slice(1).join(' ')} failed (exit ${r.status})`);
    process.exit(1);
  }
  return r.stdout;
}

const t0 = performance.now();
run(process.execPath, [path.join(root, 'scripts/build.mjs')]);
fs.mkdirSync(home, { recursive: true, mode: 0o700 });

const collectorState = path.join(home, 'collector');

/** Enrol the local collector unless its saved credential already pins this console's certificate. */
function enrolLocalCollector(info) {
  try {
    const saved = JSON.parse(fs.readFileSync(path.join(collectorState, 'credential.json'), 'utf8'));
    if (saved.fingerprint === info.ingestFingerprint) return;
  } catch {
    // not enrolled yet
  }
  const line = run(process.execPath, [consoleBin, 'enroll-token', 'create', '--ttl', '1m', '--url', info.ingestUrl]).trim();
  const [, , url, token] = line.split(' ');
  run(process.execPath, [collectorBin, 'enroll', url, token, '--state-dir', collectorState]);
  say('enrolled the local collector over TLS');
}

const children = [];
let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  for (const c of [...children].reverse()) if (c.exitCode === null) c.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }, 10_000);
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => {
    clearTimeout(timer);
    process.exit(code);
  });
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function start(name, args, command = process.execPath) {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    // Closing the desktop window is how a user quits: stop the collector too, without an error.
    if (!stopping && name === 'desktop app' && code === 0) {
      say('the desktop app was closed; stopping the collector');
      stopAll(0);
    } else if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping the rest`);
      stopAll(1);
    }
  });
  children.push(child);
  return child;
}

const infoFile = path.join(home, 'console.json');
fs.rmSync(infoFile, { force: true });
const ingestPort = process.env.CEREBRO_INGEST_PORT ?? '7070';
const apiPort = process.env.CEREBRO_API_PORT ?? '7071';
env.CEREBRO_INGEST_PORT = ingestPort;
env.CEREBRO_API_PORT = apiPort;
const electron = findElectron(process.env);
if (electron.path) {
  // The app's main process reads the ports from the environment and writes console.json like `serve`.
  start('desktop app', [path.join(root, 'apps/desktop')], electron.path);
} else {
  say(`desktop app not opened: ${electron.reason}; ${ELECTRON_HINT}. Serving the UI to a browser instead.`);
  start('console', [consoleBin, 'serve', '--ingest-port', ingestPort, '--api-port', apiPort]);
}

// Wait for the console to publish where it listens.
let info = null;
for (let i = 0; i < 300 && !info && !stopping; i++) {
  await new Promise((r) => setTimeout(r, 100));
  try {
    info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
  } catch {
    info = null;
  }
}
if (!info) {
  say('the console did not start within 30 s; see its log above');
  stopAll(1);
} else {
  enrolLocalCollector(info);
  start('collector', [collectorBin, 'run', '--console', info.ingestUrl, '--state-dir', collectorState]);
  say(`up in ${Math.round(performance.now() - t0)} ms. Data in ${home}`);
  say(`  open      ${info.uiUrl}`);
  say(`  API:      ${info.apiUrl}/api/v1/hosts   (header "Authorization: Bearer ${info.apiToken}")`);
  say(`  hosts:    npx --no cerebro-console hosts`);
  say(`  series:   npx --no cerebro-console series ${os.hostname()} [cpu.util_pct]`);
  say('  Ctrl-C stops everything.');
}
