/**
 * The `ui` benchmark's fleet: simulated collectors that look like real hosts to the console. Each says
 * hello, sends its inventory (one interface address), a process table and a socket table, a minute of
 * history for the fleet's headline series, and then one batch every few seconds to stay live.
 *
 * The socket tables form a 2,000-node topology for 1,000 hosts: every host runs one service listening on
 * 0.0.0.0:8080 (host + process = 2 nodes) that holds connections to the services of two other hosts,
 * with the accepted side on the server as a real socket table would show it.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { decodeConsoleFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type Hello, type Inventory, type ProcessRow, type SocketRow, type TelemetryBatch } from '@cerebro/shared/protocol/messages';
import { seriesKey } from '@cerebro/shared/protocol/series';

export const SERVICE_PORT = 8080;
export const SERVICE_PID = 1000;
const HISTORY_BATCHES = 6;
const HISTORY_STEP_MS = 10_000;

export function hostAddress(i: number): string {
  return `10.${1 + (i >> 8)}.${i & 255}.10`;
}

/** The hosts a host's service connects to: its neighbour and one further away. */
export function peersOf(i: number, hosts: number): number[] {
  if (hosts < 2) return [];
  return [...new Set([(i + 1) % hosts, (i * 7 + 3) % hosts])].filter((p) => p !== i);
}

function proc(pid: number, name: string, cmd: string): ProcessRow {
  return { pid, ppid: 1, name, cmd, user: 'svc', state: 'S', cpuPct: Math.round(Math.random() * 300) / 10, rssBytes: 50_000_000 + Math.round(Math.random() * 5e8), threads: 8, fds: 64, startMs: Date.now() - 86_400_000 };
}

function sock(state: string, localAddr: string, localPort: number, remoteAddr: string, remotePort: number, pid: number): SocketRow {
  return { proto: 'tcp', state, localAddr, localPort, remoteAddr, remotePort, inode: 10_000 + localPort, pid, process: 'svc' };
}

/** Host i's socket table: its listener, its outgoing connections and the accepted side of the incoming ones. */
export function socketTable(i: number, hosts: number): SocketRow[] {
  const me = hostAddress(i);
  const rows: SocketRow[] = [sock('LISTEN', '0.0.0.0', SERVICE_PORT, '0.0.0.0', 0, SERVICE_PID)];
  peersOf(i, hosts).forEach((p, k) => rows.push(sock('ESTABLISHED', me, 40_000 + k, hostAddress(p), SERVICE_PORT, SERVICE_PID)));
  for (let c = 0; c < hosts; c++) {
    peersOf(c, hosts).forEach((p, k) => {
      if (p === i) rows.push(sock('ESTABLISHED', me, SERVICE_PORT, hostAddress(c), 40_000 + k, SERVICE_PID));
    });
  }
  return rows;
}

export function inventory(hostname: string, address: string): Inventory {
  return {
    hostname,
    os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '13', kernel: '6.12.0', arch: 'x64' },
    cpu: { model: 'Simulated CPU', cores: 8, physicalCores: 4, mhz: 2400 },
    memory: { totalBytes: 32 * 2 ** 30, swapTotalBytes: 0 },
    system: { manufacturer: 'bench', model: 'sim', virtual: true },
    disks: [{ name: 'sda', type: 'SSD', sizeBytes: 512 * 2 ** 30 }],
    bootTimeMs: Date.now() - 86_400_000,
    addresses: ['127.0.0.1', address],
  };
}

const KEYS = ['cpu.util_pct', 'mem.used_pct', seriesKey('fs.used_pct', { mount: '/' }), seriesKey('net.rx_bps', { if: 'eth0' }), seriesKey('net.tx_bps', { if: 'eth0' }), 'load.1'];

/** One simulated host. */
export class UiSimHost {
  protected ws: WebSocket | null = null;
  protected seq = 1;
  /** The most batches the console lets a collector keep unacked (its welcome says). */
  protected maxInFlight = 32;
  /** The console rebuilds process tables from changes (its welcome says). */
  protected tableDeltas = false;
  protected timer: ReturnType<typeof setInterval> | null = null;
  private readonly base = [5 + Math.random() * 70, 20 + Math.random() * 60, 10 + Math.random() * 80, Math.random() * 5e6, Math.random() * 2e6, Math.random() * 4];
  readonly hostId: string;
  readonly hostname: string;
  errors = 0;
  /** The last error the console sent, "CODE: message". */
  lastError: string | null = null;

  constructor(
    private readonly url: string,
    private readonly token: string,
    protected readonly index: number,
    protected readonly hosts: number,
  ) {
    this.hostId = `ui-bench-${String(index).padStart(4, '0')}`;
    this.hostname = `${['web', 'api', 'db', 'cache', 'queue', 'worker'][index % 6]}-${String(index).padStart(4, '0')}.bench`;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false });
      this.ws = ws;
      const timer = setTimeout(() => reject(new Error(`${this.hostId}: no welcome within 60 s`)), 60_000);
      ws.on('open', () => {
        const hello: Hello = { type: 'hello', v: PROTOCOL_VERSION, hostId: this.hostId, hostname: this.hostname, token: this.token, agent: { name: 'cerebro-ui-bench', version: '0' }, epoch: randomBytes(8).toString('hex'), oldestSeq: 1, nextSeq: 1 };
        ws.send(encodeMessage(hello));
      });
      ws.on('message', (data: Buffer) => {
        const m = decodeConsoleFrame(data);
        if (!m.ok) return void this.errors++;
        if (m.value.type === 'welcome') {
          clearTimeout(timer);
          this.seq = Math.max(1, m.value.maxSeq + 1);
          this.maxInFlight = m.value.limits.maxInFlight;
          this.tableDeltas = m.value.limits.tableDeltas === true;
          resolve();
        } else if (m.value.type === 'error') {
          this.errors++;
          this.lastError = `${m.value.code}: ${m.value.message}`;
          reject(new Error(`${this.hostId}: ${m.value.code}: ${m.value.message}`));
        }
      });
      ws.on('error', (e) => {
        this.errors++;
        reject(e);
      });
    });
  }

  private batch(ts: number, extra: Partial<TelemetryBatch> = {}): void {
    const v = this.base.map((b, i) => (i < 3 ? Math.min(100, Math.max(0, b + (Math.random() - 0.5) * 10)) : Math.max(0, b * (0.8 + Math.random() * 0.4))));
    const msg: TelemetryBatch = { type: 'batch', seq: this.seq++, ts, metrics: { k: KEYS, v }, ...extra };
    this.ws?.send(encodeMessage(msg));
  }

  /** A minute of history, then the inventory and tables, then a batch every `everyMs`. */
  start(everyMs: number): void {
    const now = Date.now();
    for (let b = HISTORY_BATCHES; b > 0; b--) this.batch(now - b * HISTORY_STEP_MS);
    this.batch(now, {
      inventory: inventory(this.hostname, hostAddress(this.index)),
      procs: [proc(1, 'systemd', '/sbin/init'), proc(SERVICE_PID, 'svc', `/usr/bin/svc --listen :${SERVICE_PORT}`), proc(1200, 'sshd', '/usr/sbin/sshd -D')],
      sockets: socketTable(this.index, this.hosts),
    });
    // Spread over the interval so the console sees a steady stream, not a thundering herd.
    const startIn = Math.random() * everyMs;
    setTimeout(() => {
      this.timer = setInterval(() => this.batch(Date.now()), everyMs);
    }, startIn).unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.ws?.terminate();
  }
}
