/**
 * The faulty programs the scenarios run: small Node scripts executed through a symlink to the node
 * binary under a telling name, so the collector's process table (/proc/<pid>/stat's comm, 15 characters
 * at most) names them as an operator would see a real service. Each one stops by itself after
 * `--max-sec`, so a harness killed before its cleanup leaves nothing running for long.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Cleanup } from '../bench/cleanup';
import { startProcess, type Spawned } from '../bench/spawned';

/** A line prefix the collector's level detection reads: ISO time, then the level word. */
const LOG_LINE = `const line = (level, msg) => new Date().toISOString() + ' ' + level + ' ' + msg + '\\n';`;
const ARGS = `const arg = (n, d) => { const i = process.argv.indexOf('--' + n); return i > 0 ? process.argv[i + 1] : d; };
const stopAt = Date.now() + Number(arg('max-sec', '300')) * 1000;
setInterval(() => { if (Date.now() > stopAt) process.exit(0); }, 1000).unref();`;

export const SOURCES = {
  /** Burns one core in slices (so the max-sec timer still fires). */
  hog: `${ARGS}
const burn = () => { const end = Date.now() + 50; while (Date.now() < end); if (Date.now() < stopAt) setImmediate(burn); else process.exit(0); };
burn();`,
  /** Keeps --mb-per-sec MiB of touched memory per second, up to --max-mb. */
  leak: `${ARGS}
const kept = []; const rate = Number(arg('mb-per-sec', '40')); const max = Number(arg('max-mb', '2048'));
const t = setInterval(() => { for (let i = 0; i < rate && kept.length < max; i++) kept.push(Buffer.alloc(1 << 20, 1)); }, 1000);
setTimeout(() => { clearInterval(t); process.exit(0); }, Number(arg('max-sec', '300')) * 1000);`,
  /** Appends --kb-per-sec KiB a second to --file until the filesystem is full (ENOSPC ends it) or max-sec. */
  fill: `${ARGS}
const fs = require('node:fs'); const fd = fs.openSync(arg('file'), 'a'); const chunk = Buffer.alloc(Number(arg('kb-per-sec', '1024')) * 1024, 7);
setInterval(() => { try { fs.writeSync(fd, chunk); fs.fsyncSync(fd); } catch (e) { if (e.code !== 'ENOSPC') throw e; } }, 1000);`,
  /**
   * A service under supervisord: runs (a heartbeat every 5 s) while its config is sound; once --broken-flag
   * exists it fails at start with an error line and exits 1, so supervisord restarts it over and over.
   */
  crashy: `${ARGS}
${LOG_LINE}
const fs = require('node:fs');
if (fs.existsSync(arg('broken-flag'))) {
  process.stdout.write(line('ERROR', 'payments: cannot load config ' + arg('broken-flag') + ': unexpected token "}" at line 3, refusing to start'));
  setTimeout(() => process.exit(1), 300);
} else {
  process.stdout.write(line('INFO', 'payments: started, listening for jobs'));
  let n = 0; setInterval(() => process.stdout.write(line('INFO', 'payments: heartbeat ' + (++n) + ' queue depth ' + (n % 7))), 5000);
}`,
  /** The server tier: answers each line "ping N" with "pong N" on 127.0.0.1:--port. */
  server: `${ARGS}
const net = require('node:net');
net.createServer((s) => { s.on('error', () => {}); let buf = ''; s.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\\n')) >= 0) { s.write('pong ' + buf.slice(5, i) + '\\n'); buf = buf.slice(i + 1); } }); }).listen(Number(arg('port')), '127.0.0.1');`,
  /**
   * The client tier: one persistent connection to the server, a request every 200 ms; logs each second's
   * outcome to --log; when the server is gone every attempt fails and is logged at ERROR, then retried.
   */
  client: `${ARGS}
${LOG_LINE}
const net = require('node:net'); const fs = require('node:fs'); const log = fs.openSync(arg('log'), 'a');
const port = Number(arg('port')); let sock = null; let n = 0; let ok = 0; let lastLog = 0;
const connect = () => {
  sock = net.connect(port, '127.0.0.1');
  sock.setEncoding('utf8');
  sock.on('data', (d) => { ok += d.split('\\n').length - 1; });
  sock.on('error', (e) => { fs.writeSync(log, line('ERROR', 'orders: request to inventory at 127.0.0.1:' + port + ' failed: ' + (e.code || e.message) + ', retrying')); });
  sock.on('close', () => { sock = null; setTimeout(connect, 500); });
};
connect();
setInterval(() => {
  if (sock && !sock.connecting) sock.write('ping ' + (++n) + '\\n');
  if (Date.now() - lastLog >= 1000 && ok > 0) { fs.writeSync(log, line('INFO', 'orders: ' + ok + ' requests to inventory ok')); ok = 0; lastLog = Date.now(); }
}, 200);`,
  /**
   * The ledger service: an INFO line every 5 s to --log while healthy; on SIGUSR2 it loses its quorum and
   * from then on writes --per-sec lines a second of one never-seen error template, until it is restarted
   * (a fresh process starts healthy): the stuck state a restart clears.
   */
  storm: `${ARGS}
${LOG_LINE}
const fs = require('node:fs'); const log = fs.openSync(arg('log'), 'a'); const per = Number(arg('per-sec', '200')); let n = 0; let storming = false;
fs.writeSync(log, line('INFO', 'ledger: started, quorum of 3 replicas'));
setInterval(() => { if (!storming) fs.writeSync(log, line('INFO', 'ledger: committed batch ' + (++n) + ', quorum healthy')); }, 5000);
process.on('SIGUSR2', () => { storming = true; });
setInterval(() => { if (!storming) return; let out = ''; for (let i = 0; i < per / 10; i++) { n++; out += line('ERROR', 'ledger: shard ' + (n % 17) + ' rejected write ' + n + ': quorum lost in term ' + (40 + (n % 5))); } fs.writeSync(log, out); }, 100);`,
  /** A quiet writer that keeps the log store's learning going from the start (its host's first records). */
  heartbeat: `${ARGS}
${LOG_LINE}
const fs = require('node:fs'); const log = fs.openSync(arg('log'), 'a');
setInterval(() => fs.writeSync(log, line('INFO', 'scenarios: harness heartbeat')), 5000);
fs.writeSync(log, line('INFO', 'scenarios: harness started'));`,
} as const;

export type ProgramName = keyof typeof SOURCES;

/**
 * Write `program`'s script into `dir` and a symlink to node named `procName` (≤ 15 characters, the
 * kernel's comm length), and return the argv that runs it.
 */
export function programCommand(dir: string, program: ProgramName, procName: string): { command: string; script: string } {
  if (procName.length > 15) throw new Error(`process name "${procName}" is longer than the kernel's 15-character comm`);
  const bin = path.join(dir, procName);
  if (!fs.existsSync(bin)) fs.symlinkSync(process.execPath, bin);
  const script = path.join(dir, `${program}.cjs`);
  fs.writeFileSync(script, SOURCES[program]);
  return { command: bin, script };
}

/** The command line that runs `program` as `procName` with `args` (for a supervisor's program entry). */
export function programLine(dir: string, program: ProgramName, procName: string, args: Record<string, string | number>): string {
  const { command, script } = programCommand(dir, program, procName);
  return [command, script, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])].join(' ');
}

/** Start `program` as `procName`; it is stopped by the cleanup (and by itself after max-sec). */
export function startProgram(cleanup: Cleanup, dir: string, program: ProgramName, procName: string, args: Record<string, string | number>): Spawned {
  const { command, script } = programCommand(dir, program, procName);
  const argv = [script, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])];
  return startProcess(cleanup, procName, command, argv);
}
