/**
 * The one-method interface every telemetry source implements (node_exporter's Collector, STYLE.md §6).
 * A source reads files under injectable roots (procRoot, sysRoot) with synchronous reads, parses them with
 * pure `parseX(text)` functions, and writes what it found into the CollectOutput of the tick.
 */
import type { Labels } from '@cerebro/shared/protocol/series';
import type { ProcessRow, SocketRow } from '@cerebro/shared/protocol/messages';

/** Where sources write one tick's results. */
export interface CollectOutput {
  /** Record one gauge sample at the tick's timestamp. `name` is dotted lower-case with its unit (cpu.user_pct, net.rx_bps). */
  gauge(name: string, value: number, labels?: Labels): void;
  /** Set by the processes source on ticks when it scans. */
  procs?: ProcessRow[];
  /** Set by the sockets source on ticks when it scans. */
  sockets?: SocketRow[];
  /** One-off notices for the operator, sent once (e.g. what cannot be seen without privileges). */
  notice(text: string): void;
}

export interface SourceContext {
  /** Root of procfs, '/proc' in production; a fixture directory in tests. */
  readonly procRoot: string;
  /** Root of sysfs, '/sys' in production. */
  readonly sysRoot: string;
  /** Clock, ms since the epoch (injectable for tests). */
  readonly now: () => number;
  /** Log a line for the collector's own log (stderr); never used for telemetry. */
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export interface Source {
  /** Stable name, also the config key that switches it on or off (cpu, memory, ...). */
  readonly name: string;
  /**
   * Collect once. May throw: the scheduler catches it, reports the source as failed for this tick
   * (with the message) and carries on with the other sources. A vanished process or file is not a failure.
   */
  collect(out: CollectOutput): void;
  /** Release kept-open files. */
  close?(): void;
}
