/**
 * Simulated collectors for the ingest benchmark: each opens a WebSocket to the console, says hello, waits
 * for the welcome, then keeps its in-flight window (welcome.limits.maxInFlight) full of batches.
 *
 * Frames are pre-encoded with the product's own codec (a few value variants per collector) and only seq
 * and ts are patched in per send, so the load generator costs little next to the console it measures.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { decodeConsoleFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type Hello, type LogLevel, type LogRecord } from '@cerebro/shared/protocol/messages';
import { seriesKey } from '@cerebro/shared/protocol/series';

/** Value variants per collector; frames cycle through them (a random walk that restarts every N batches). */
const VARIANTS = 8;
/** Encoded as msgpack uint32 (0xce) and float64 (0xcb) by msgpackr: found in the template, then patched. */
const SEQ_SENTINEL = 0xdeadbeef;
const TS_SENTINEL = 1_777_777_777_000;

interface Family {
  readonly name: string;
  readonly label: string;
  readonly value: (i: number) => string;
  /** Percent (0–100, 2 decimals) or a non-negative integer around `scale`. */
  readonly kind: 'pct' | 'int';
  readonly scale: number;
}

const DISKS = ['sda', 'sdb', 'nvme0n1', 'nvme1n1', 'dm-0', 'dm-1', 'md0', 'loop0'];
const IFACES = ['eth0', 'eth1', 'lo', 'docker0', 'br-lan', 'wg0', 'bond0', 'veth3f2a'];
const MOUNTS = ['/', '/var', '/home', '/boot', '/tmp', '/srv/data', '/var/lib/docker', '/opt'];
const PROCS = ['nginx', 'postgres', 'java', 'node', 'redis-server', 'sshd', 'containerd', 'python3'];

const FAMILIES: Family[] = [
  ...['cpu.util_pct', 'cpu.user_pct', 'cpu.system_pct', 'cpu.iowait_pct', 'cpu.steal_pct'].map((name) => ({ name, label: 'core', value: (i: number) => String(i), kind: 'pct' as const, scale: 100 })),
  ...['disk.read_bps', 'disk.write_bps', 'disk.read_iops', 'disk.write_iops', 'disk.util_pct', 'disk.queue_depth'].map((name) => ({ name, label: 'dev', value: (i: number) => DISKS[i % DISKS.length] + (i >= DISKS.length ? String(i) : ''), kind: name.endsWith('pct') ? ('pct' as const) : ('int' as const), scale: 50_000_000 })),
  ...['net.rx_bps', 'net.tx_bps', 'net.rx_pps', 'net.tx_pps', 'net.rx_errs', 'net.tx_drops'].map((name) => ({ name, label: 'if', value: (i: number) => IFACES[i % IFACES.length] + (i >= IFACES.length ? String(i) : ''), kind: 'int' as const, scale: 10_000_000 })),
  ...['fs.used_bytes', 'fs.free_bytes', 'fs.inodes_used', 'fs.used_pct'].map((name) => ({ name, label: 'mount', value: (i: number) => (MOUNTS[i % MOUNTS.length] as string) + (i >= MOUNTS.length ? `/vol${i}` : ''), kind: name.endsWith('pct') ? ('pct' as const) : ('int' as const), scale: 200_000_000_000 })),
  ...['proc.cpu_pct', 'proc.rss_bytes', 'proc.threads', 'proc.fds'].map((name) => ({ name, label: 'pid', value: (i: number) => String(1000 + i * 37), kind: name.endsWith('pct') ? ('pct' as const) : ('int' as const), scale: 300_000_000 })),
];
const HOST_METRICS = ['mem.used_bytes', 'mem.available_bytes', 'mem.cached_bytes', 'mem.swap_used_bytes', 'load.1m', 'load.5m', 'load.15m', 'procs.running', 'procs.total', 'sockets.tcp_established'];

/** `n` distinct, realistic series keys (`cpu.util_pct{core=3}`, `disk.read_bps{dev=sda}`, `net.rx_bps{if=eth0}`, ...). */
export function seriesKeys(n: number): { keys: string[]; kinds: Array<'pct' | 'int'>; scales: number[] } {
  const keys: string[] = [];
  const kinds: Array<'pct' | 'int'> = [];
  const scales: number[] = [];
  for (const name of HOST_METRICS.slice(0, n)) {
    keys.push(name);
    kinds.push(name.startsWith('load') ? 'pct' : 'int');
    scales.push(8_000_000_000);
  }
  // Bounded: each round adds one key per family, so n / FAMILIES.length + 1 rounds suffice.
  for (let i = 0; keys.length < n; i++) {
    for (const f of FAMILIES) {
      if (keys.length >= n) break;
      const labels: Record<string, string> = { [f.label]: f.value(i) };
      if (f.name.startsWith('proc.')) labels['name'] = PROCS[i % PROCS.length] as string;
      keys.push(seriesKey(f.name, labels));
      kinds.push(f.kind);
      scales.push(f.scale);
    }
  }
  return { keys, kinds, scales };
}

/** Log lines of typical daemons: a few dozen templates with variables (ids, IPs, paths, durations). */
const LOG_SHAPES: ReadonlyArray<[LogLevel, (r: () => number) => string]> = [
  ['info', (r) => `GET /api/v1/items/${r() % 100000} 200 ${r() % 900} ms`],
  ['info', (r) => `POST /api/v1/orders 201 ${r() % 400} ms user=${r() % 5000}`],
  ['info', (r) => `Accepted publickey for deploy from 10.0.${r() % 255}.${r() % 255} port ${40000 + (r() % 20000)} ssh2`],
  ['info', (r) => `session ${(r() * 2654435761 >>> 0).toString(16)} opened for user app by (uid=0)`],
  ['info', (r) => `checkpoint complete: wrote ${r() % 5000} buffers (${(r() % 100) / 10}%); 0 WAL file(s) added, ${r() % 3} removed`],
  ['info', (r) => `Started Session ${r() % 90000} of user app.`],
  ['debug', (r) => `cache hit key=user:${r() % 100000} ttl=${r() % 3600}s`],
  ['debug', (r) => `GC pause ${r() % 50} ms, heap ${r() % 2048} MB of 4096 MB`],
  ['warn', (r) => `upstream 10.1.${r() % 255}.${r() % 255}:8080 slow: ${r() % 5000} ms`],
  ['warn', (r) => `disk /dev/sd${'abcd'[r() % 4]}1 at ${80 + (r() % 20)}% capacity`],
  ['error', (r) => `connection to db-${r() % 8}.internal:5432 refused (attempt ${r() % 10})`],
  ['error', (r) => `java.lang.NullPointerException at com.example.Handler.process(Handler.java:${r() % 500})`],
];

/** `n` log records for one batch, drawn from LOG_SHAPES with variables from a seeded generator. */
export function logRecords(n: number, seed: number, ts: number): LogRecord[] {
  let x = seed * 2654435761 + 1;
  const r = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 8;
  };
  return Array.from({ length: n }, (_, i) => {
    const [level, make] = LOG_SHAPES[r() % LOG_SHAPES.length]!;
    return { ts: ts + i, src: i % 3 === 0 ? 'journal' : 'file:/var/log/app/server.log', level, msg: make(r), ...(i % 3 === 0 ? { unit: 'app.service', pid: 1000 + (r() % 30000) } : {}) };
  });
}

interface Template {
  readonly bytes: Buffer;
  readonly seqAt: number;
  readonly tsAt: number;
}

function findPatch(bytes: Buffer, marker: number[], what: string): number {
  const head = bytes.subarray(0, 256);
  const at = head.indexOf(Buffer.from(marker));
  if (at < 0 || head.indexOf(Buffer.from(marker), at + 1) >= 0) throw new Error(`cannot locate a unique ${what} in the encoded batch template; the codec's layout changed`);
  return at;
}

/** Frames for one collector: `VARIANTS` random-walk steps of the same series, seq/ts patched per send. */
export function buildTemplates(samples: number, logsPerBatch = 0): Template[] {
  const { keys, kinds, scales } = seriesKeys(samples);
  const values = kinds.map((k, i) => (k === 'pct' ? Math.random() * 100 : Math.round(Math.random() * (scales[i] as number))));
  const seqMarker = [0xce, 0xde, 0xad, 0xbe, 0xef];
  const tsBytes = Buffer.alloc(9);
  tsBytes[0] = 0xcb;
  tsBytes.writeDoubleBE(TS_SENTINEL, 1);
  const out: Template[] = [];
  for (let variant = 0; variant < VARIANTS; variant++) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (kinds[i] === 'pct') values[i] = Math.round(Math.min(100, Math.max(0, v + (Math.random() - 0.5) * 4)) * 100) / 100;
      else values[i] = Math.max(0, Math.round(v * (1 + (Math.random() - 0.5) * 0.02)));
    }
    // Log records keep the timestamps of their variant (an hour ago): throughput does not depend on them.
    const logs = logsPerBatch > 0 ? { logs: logRecords(logsPerBatch, variant + 1, Date.now() - 3_600_000 + variant * 1000) } : {};
    const bytes = Buffer.from(encodeMessage({ type: 'batch', seq: SEQ_SENTINEL, ts: TS_SENTINEL, metrics: { k: keys, v: values }, ...logs }));
    out.push({ bytes, seqAt: findPatch(bytes, seqMarker, 'seq') + 1, tsAt: findPatch(bytes, [...tsBytes], 'ts') + 1 });
  }
  return out;
}

/** Counters shared by all simulated collectors (read at the window's edges). */
export class LoadCounters {
  ackedBatches = 0;
  ackedSamples = 0;
  ackedLogs = 0;
  sentBatches = 0;
  errors = 0;
  fatalErrors = 0;
  lastError = '';
  /** Ack latencies (ms) recorded while `recording`; bounded. */
  readonly latencies = new Float64Array(2_000_000);
  latencyCount = 0;
  recording = false;

  recordLatency(ms: number): void {
    if (this.recording && this.latencyCount < this.latencies.length) this.latencies[this.latencyCount++] = ms;
  }
}

export interface SimOptions {
  readonly url: string;
  readonly token: string;
  readonly index: number;
  readonly samples: number;
  /** Log records in every batch (0: none, the default). */
  readonly logsPerBatch?: number;
  readonly counters: LoadCounters;
}

/** One simulated collector. */
export class SimCollector {
  private ws: WebSocket | null = null;
  private readonly templates: Template[];
  private readonly sentAt = new Float64Array(4096);
  private seq = 1;
  private ts: number;
  private inFlight = 0;
  private maxInFlight = 1;
  private running = false;
  readonly hostId: string;

  constructor(private readonly o: SimOptions) {
    this.templates = buildTemplates(o.samples, o.logsPerBatch ?? 0);
    this.hostId = `bench-host-${String(o.index).padStart(4, '0')}`;
    // Aligned to the second, starting an hour ago: 1 s of collector time per batch.
    this.ts = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
  }

  /** Connect, hello, and resolve on the welcome (rejects on an error or after 30 s). */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      // A zero mask lets ws send our buffer without copying and XOR-ing it; the console still unmasks as usual.
      const ws = new WebSocket(this.o.url, { perMessageDeflate: false, generateMask: (mask: Buffer) => void mask.fill(0) });
      this.ws = ws;
      const timer = setTimeout(() => reject(new Error(`${this.hostId}: no welcome within 30 s`)), 30_000);
      let welcomed = false;
      ws.on('open', () => {
        const hello: Hello = {
          type: 'hello',
          v: PROTOCOL_VERSION,
          hostId: this.hostId,
          hostname: this.hostId,
          token: this.o.token,
          agent: { name: 'cerebro-bench', version: '0' },
          epoch: randomBytes(8).toString('hex'),
          oldestSeq: 1,
          nextSeq: 1,
        };
        ws.send(encodeMessage(hello));
      });
      ws.on('message', (data: Buffer) => {
        const m = decodeConsoleFrame(data);
        if (!m.ok) {
          this.fail(`undecodable frame from the console: ${m.error.message}`, true);
          return;
        }
        const msg = m.value;
        if (msg.type === 'ack') {
          this.onAck(msg.seq);
        } else if (msg.type === 'welcome') {
          if (msg.limits.maxSamplesPerBatch < this.o.samples) {
            reject(new Error(`the console accepts at most ${msg.limits.maxSamplesPerBatch} samples per batch; use --samples ≤ that`));
            return;
          }
          welcomed = true;
          clearTimeout(timer);
          this.maxInFlight = Math.max(1, Math.min(msg.limits.maxInFlight, this.sentAt.length / 2));
          this.seq = Math.max(1, msg.maxSeq + 1);
          resolve();
        } else if (msg.type === 'error') {
          this.fail(`${msg.code}: ${msg.message}`, msg.fatal);
          if (!welcomed) reject(new Error(`${this.hostId}: the console refused the hello: ${msg.code}: ${msg.message}`));
        }
      });
      ws.on('error', (e) => {
        this.fail(e.message, true);
        if (!welcomed) reject(e);
      });
      ws.on('close', () => {
        this.running = false;
        if (!welcomed) reject(new Error(`${this.hostId}: connection closed before the welcome`));
      });
    });
  }

  /** Fill the in-flight window; from then on every ack sends the next batch. */
  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stop sending (in-flight acks are still counted until close). */
  pause(): void {
    this.running = false;
  }

  close(): Promise<void> {
    const ws = this.ws;
    this.running = false;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 3000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      ws.close(1000, 'bench done');
    });
  }

  private pump(): void {
    const ws = this.ws;
    if (!ws) return;
    while (this.running && this.inFlight < this.maxInFlight && ws.readyState === WebSocket.OPEN) {
      const t = this.templates[this.seq % this.templates.length] as Template;
      const frame = Buffer.allocUnsafe(t.bytes.length);
      t.bytes.copy(frame);
      frame.writeUInt32BE(this.seq, t.seqAt);
      frame.writeDoubleBE(this.ts, t.tsAt);
      this.sentAt[this.seq % this.sentAt.length] = performance.now();
      ws.send(frame, { binary: true });
      this.seq++;
      this.ts += 1000;
      this.inFlight++;
      this.o.counters.sentBatches++;
    }
  }

  private onAck(seq: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const c = this.o.counters;
    c.ackedBatches++;
    c.ackedSamples += this.o.samples;
    c.ackedLogs += this.o.logsPerBatch ?? 0;
    c.recordLatency(performance.now() - (this.sentAt[seq % this.sentAt.length] as number));
    this.pump();
  }

  private fail(message: string, fatal: boolean): void {
    const c = this.o.counters;
    c.errors++;
    if (fatal) c.fatalErrors++;
    c.lastError = `${this.hostId}: ${message}`;
  }
}
