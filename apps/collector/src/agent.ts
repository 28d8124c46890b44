/**
 * The collector's tick loop: every interval, run the sources, encode one batch, append it to the spool,
 * and let the link send it. Ticks are aligned to the interval (ts = k × interval) so that every host's
 * samples line up and timestamps compress to almost nothing in the console's store.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodeMessage } from '@cerebro/shared/protocol/codec';
import type { HostPolicySummary, Inventory, ProcessRow, SocketRow, SourceStatus, TelemetryBatch } from '@cerebro/shared/protocol/messages';
import { seriesKey, type Labels } from '@cerebro/shared/protocol/series';
import type { CollectorConfig } from './config';
import { ProcessTableEncoder } from '@cerebro/shared/protocol/table-delta';
import { Link } from './link/connection';
import { resolveLinkTrust, type LinkTrust } from './trust/link-trust';
import { policySummary } from './trust/policy';
import { Spool } from './link/spool';
import { validateCollectorMessage } from '@cerebro/shared/protocol/validate';
import { collectTick, createSources } from './sources/index';
import type { CollectOutput, Source } from './sources/source';
import type { Logger } from './log';
import { createLogCollector, type LogCollector } from './logs/log-collector';

export const AGENT_VERSION = '0.1.0';

/** Inventory is re-sent this often, ms (it is static, but a console may have lost it). */
const INVENTORY_EVERY_MS = 3600_000;
/**
 * status.json is rewritten this often, in ticks. Each write is a write + rename; measured with --cpu-prof
 * (docs/benchmarks.md, collector), the renames of the status file and the spool's ack state were ~5 % of
 * the daemon's CPU at a 5-tick period.
 */
const STATUS_FILE_EVERY_TICKS = 15;
/** All source statuses (not only failures) are sent this often, in ticks. */
const STATUS_EVERY_TICKS = 60;

/** One tick's results, in the columnar shape of the wire batch. */
class BatchBuilder implements CollectOutput {
  readonly k: string[] = [];
  readonly v: number[] = [];
  procs?: ProcessRow[];
  sockets?: SocketRow[];
  readonly notices: string[] = [];

  gauge(name: string, value: number, labels?: Labels): void {
    // A non-finite value (0/0 in a rate) would make the console reject the whole batch: drop the sample here.
    if (!Number.isFinite(value)) return;
    this.k.push(seriesKey(name, labels));
    this.v.push(value);
  }

  notice(text: string): void {
    this.notices.push(text);
  }
}

/**
 * The static inventory, taken once at start by `cerebro-collector inventory` in a child process:
 * systeminformation spawns a few dozen shell commands for it, and running it apart keeps its memory
 * out of the daemon (measured: ~1.5 MB less peak RSS) and a hanging command from stalling collection.
 */
function inventoryFromChild(timeoutMs = 30_000): Promise<Inventory> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...process.execArgv, process.argv[1] as string, 'inventory'], { timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(new Error(`\`cerebro-collector inventory\` failed: ${error.message}`));
      let parsed: unknown;
      try {
        parsed = JSON.parse(stdout);
      } catch {
        return reject(new Error('`cerebro-collector inventory` printed no JSON'));
      }
      // The same validation the console applies, so a bad inventory cannot make every batch invalid.
      const checked = validateCollectorMessage({ type: 'batch', seq: 1, ts: Date.now(), metrics: { k: [], v: [] }, inventory: parsed }, { maxFrameBytes: Infinity, maxSamplesPerBatch: 0 });
      if (!checked.ok || checked.value.type !== 'batch' || !checked.value.inventory) return reject(new Error(`inventory is not valid: ${checked.ok ? 'missing' : checked.error.message}`));
      resolve(checked.value.inventory);
    });
  });
}

export interface AgentOptions {
  readonly config: CollectorConfig;
  readonly log: Logger;
}

export class CollectorAgent {
  private readonly config: CollectorConfig;
  private readonly log: Logger;
  private readonly spool: Spool;
  private readonly link: Link;
  private readonly sources: Source[];
  /** Log files and journal; null when nothing is followed (then logs cost nothing). */
  private readonly logs: LogCollector | null = null;
  private readonly startNotices: string[] = [];
  private readonly terminals: LinkTrust['terminals'];
  /** The host's policy as the console is told it (in the inventory). */
  private readonly hostPolicy: HostPolicySummary;
  private timer: NodeJS.Timeout | null = null;
  /** Process tables as changes against the last one sent (shared/protocol/table-delta.ts). */
  private readonly tables = new ProcessTableEncoder();
  private tickNo = 0;
  private inventory: Inventory | null = null;
  private inventorySentMs = 0;
  private lastCpu = process.cpuUsage();
  private lastCpuAt = performance.now();
  private stopped = false;
  /** The link state in the last status.json written. */
  private statusLinkState: string | null = null;
  private readonly startedMs = Date.now();

  constructor(options: AgentOptions) {
    this.config = options.config;
    this.log = options.log;
    // Trust settings are checked first: a collector that cannot trust its console starts nothing.
    const trust = resolveLinkTrust(this.config, this.log);
    this.log('info', `link: ${trust.describe}`);
    fs.mkdirSync(this.config.stateDir, { recursive: true, mode: 0o700 });
    this.spool = Spool.open({ dir: path.join(this.config.stateDir, 'spool'), maxBytes: this.config.spoolMaxBytes, log: this.log });
    this.link = new Link({
      url: trust.url,
      token: trust.token,
      auth: trust.auth,
      pin: trust.pin,
      onCommand: trust.onCommand,
      onTerminal: (msg) => trust.terminals.onFrame(msg),
      onDisconnect: () => trust.terminals.closeAll('the link to the console dropped'),
      // A console that restarted may hold no table to apply changes onto (its WAL was trimmed): the first
      // table after every (re)connection goes whole, so each host has a table again within one scan.
      onWelcome: () => this.tables.reset(),
      hostId: this.config.hostId,
      hostname: this.config.hostname,
      agentVersion: AGENT_VERSION,
      spool: this.spool,
      log: this.log,
    });
    trust.setTerminalSink((msg) => this.link.sendTerminal(msg));
    this.terminals = trust.terminals;
    this.hostPolicy = policySummary(trust.policy);
    this.sources = createSources(this.config.sources, {
      procRoot: this.config.procRoot,
      sysRoot: this.config.sysRoot,
      now: () => Date.now(),
      log: this.log,
    });
    if (this.config.logs) {
      const created = createLogCollector({ config: this.config.logs, stateDir: this.config.stateDir, spoolNextSeq: this.spool.nextSeq, log: this.log });
      this.logs = created.collector;
      this.startNotices.push(...created.notices);
    }
  }

  async start(): Promise<void> {
    this.log('info', `collector ${AGENT_VERSION} for host ${this.config.hostId} (${this.config.hostname}) → ${this.link.url}; sources: ${this.sources.map((s) => s.name).join(', ')}; state in ${this.config.stateDir}`);
    const stats = this.spool.stats();
    if (stats.pendingBatches > 0) this.log('info', `spool holds ${stats.pendingBatches} unsent batches (${stats.pendingBytes} bytes); they are sent first`);
    this.link.start();
    if (this.logs) this.log('info', `logs: following ${this.logs.describe()}`);
    this.logs?.start();
    inventoryFromChild()
      .then((inv) => {
        this.inventory = { ...inv, hostPolicy: this.hostPolicy };
      })
      .catch((e: unknown) => this.log('warn', `inventory failed (the host is reported without it): ${(e as Error).message}`));
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.terminals.closeAll('the collector stops');
    await this.link.stop();
    for (const s of this.sources) s.close?.();
    this.logs?.stop();
    this.spool.close();
    this.writeStatus();
  }

  private schedule(): void {
    if (this.stopped) return;
    const interval = this.config.intervalMs;
    const now = Date.now();
    const next = Math.ceil((now + 1) / interval) * interval;
    this.timer = setTimeout(() => this.tick(next), next - now);
  }

  private tick(ts: number): void {
    try {
      this.collect(ts);
    } catch (e) {
      // A bug in one tick must not stop the daemon: log it and collect again next tick.
      this.log('error', `tick at ${new Date(ts).toISOString()} failed: ${(e as Error).stack ?? String(e)}`);
    }
    this.schedule();
  }

  private collect(ts: number): void {
    // Status first: written before this tick's batch is appended, it shows what the console has acked.
    // Every STATUS_FILE_EVERY_TICKS, and at once when the link's state changes (what `status` is read for).
    if (this.tickNo % STATUS_FILE_EVERY_TICKS === 0 || this.link.stats.state !== this.statusLinkState) this.writeStatus();
    const t0 = performance.now();
    const out = new BatchBuilder();
    const statuses = collectTick(this.sources, out);
    for (const n of this.startNotices.splice(0)) out.notice(n);
    this.logs?.collect((n) => out.notice(n));
    this.tickNo++;
    this.selfMetrics(out, performance.now() - t0);
    const seq = this.spool.takeSeq();
    const logPart = this.logs?.take(seq);
    const failed: SourceStatus[] = this.tickNo % STATUS_EVERY_TICKS === 1 ? statuses : statuses.filter((s) => !s.ok);
    // Changes against the last table when the console rebuilds them (most rows do not change in 2 s).
    const table = out.procs ? this.tables.encode(seq, out.procs, this.link.offersTableDeltas) : undefined;
    const batch: TelemetryBatch = {
      type: 'batch',
      seq,
      ts,
      metrics: { k: out.k, v: out.v },
      spool: this.spool.stats(),
      ...table,
      ...(out.sockets ? { sockets: out.sockets } : {}),
      ...(failed.length > 0 ? { sources: failed } : {}),
      ...(out.notices.length > 0 ? { notices: out.notices } : {}),
      ...(this.inventoryDue(ts) ? { inventory: this.inventory as Inventory } : {}),
      ...logPart,
    };
    try {
      this.spool.append(seq, encodeMessage(batch), out.k.length, logPart?.logs?.length ?? 0);
    } catch (e) {
      this.logs?.aborted(); // its records go back to the queue, its file positions are not saved
      if (table) this.tables.reset(); // the next table must not change one the console never gets
      throw e;
    }
    this.logs?.committed();
    this.link.notify();
  }

  private inventoryDue(ts: number): boolean {
    if (!this.inventory || ts - this.inventorySentMs < INVENTORY_EVERY_MS) return false;
    this.inventorySentMs = ts;
    return true;
  }

  private selfMetrics(out: BatchBuilder, tickMs: number): void {
    const cpu = process.cpuUsage();
    const at = performance.now();
    const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const elapsedUs = (at - this.lastCpuAt) * 1000;
    if (this.tickNo > 1 && elapsedUs > 0) out.gauge('collector.cpu_pct', (100 * usedUs) / elapsedUs);
    this.lastCpu = cpu;
    this.lastCpuAt = at;
    out.gauge('collector.rss_bytes', process.memoryUsage.rss());
    out.gauge('collector.tick_ms', tickMs);
    const spool = this.spool.stats();
    out.gauge('collector.spool.pending_batches', spool.pendingBatches);
    out.gauge('collector.spool.dropped_batches', spool.droppedBatches);
  }

  private writeStatus(): void {
    this.statusLinkState = this.link.stats.state;
    const status = {
      pid: process.pid,
      version: AGENT_VERSION,
      startedMs: this.startedMs,
      updatedMs: Date.now(),
      hostId: this.config.hostId,
      consoleUrl: this.link.url,
      link: this.link.stats,
      spool: { ...this.spool.stats(), rejectedBatches: this.spool.rejectedBatches, epoch: this.spool.epoch, nextSeq: this.spool.nextSeq },
      ticks: this.tickNo,
    };
    const file = path.join(this.config.stateDir, 'status.json');
    try {
      fs.writeFileSync(file + '.tmp', JSON.stringify(status, null, 2));
      fs.renameSync(file + '.tmp', file);
    } catch (e) {
      this.log('warn', `cannot write ${file}: ${(e as Error).message}`);
    }
  }
}
