/**
 * The console's own health for the status bar: its heap against the limit past which it dies, and how late
 * its event loop ran (what every batch, ack and UI request waited behind). "strained" past either bound.
 */
import type { IngestStatsView } from '@cerebro/shared/api/contract';
import { fmtBytes } from '../lib/format';

/** Heap in use past this share of the limit: the console is near dying out of memory. */
export const HEAP_STRAINED_SHARE = 0.75;
/** The event loop late by this much or more in the last 10 s: the console is behind its collectors. */
export const LOOP_STRAINED_MS = 1000;

export interface ConsoleHealth {
  readonly text: string;
  readonly strained: boolean;
  /** What the figures mean and, when strained, what to do. */
  readonly title: string;
}

export function consoleHealth(stats: IngestStatsView | null): ConsoleHealth | null {
  const m = stats?.memory;
  if (!stats || !m) return null;
  const share = m.heapUsedBytes / m.heapLimitBytes;
  const loop = stats.eventLoop && stats.eventLoop.windowSec > 0 ? stats.eventLoop : null;
  const heapStrained = share >= HEAP_STRAINED_SHARE;
  const loopStrained = loop !== null && loop.maxMs >= LOOP_STRAINED_MS;
  const text = `${fmtBytes(m.heapUsedBytes)} of ${fmtBytes(m.heapLimitBytes)}${loop ? ` · late ≤ ${Math.round(loop.maxMs).toLocaleString('en')} ms` : ''}`;
  const lines = [`The console's heap: ${fmtBytes(m.heapUsedBytes)} in use of the ${fmtBytes(m.heapLimitBytes)} it cannot pass (${Math.round(share * 100)} %); process RSS ${fmtBytes(m.rssBytes)}.`];
  if (loop) lines.push(`Its event loop ran up to ${Math.round(loop.maxMs)} ms late in the last ${Math.round(loop.windowSec)} s (p99 ${Math.round(loop.p99Ms)} ms): batches, acks and this window wait that long.`);
  if (heapStrained) lines.push('Near its memory limit: a console past it stops. Connect fewer hosts to this console, or restart it to shed state.');
  if (loopStrained) lines.push('Behind its collectors: alerts come later than they should. Connect fewer hosts to this console, or lengthen the collectors\' interval.');
  return { text, strained: heapStrained || loopStrained, title: lines.join('\n') };
}
