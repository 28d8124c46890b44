/**
 * Which series the stronger tier scores (issue 4's two tiers: the cheap detector on every series, the
 * stronger one where it matters; registry.ts has both tiers' figures).
 *
 * Where it matters: a host's headline series, the ones an SRE reads first and that a fault anywhere on
 * the host moves: the CPUs as a whole (not each core), memory and swap, the load, each filesystem's use,
 * each disk's utilisation and latency, each interface's traffic and drops, TCP retransmissions and
 * connections, and the process counts. On a 2-core VM that is 33 of a collector's 104 host series (tiers.test.ts), and
 * none of its per-process series (which come and go with the processes, and are thousands on a busy host).
 *
 * What it costs: ~8.6 KB of state per series against the ensemble's ~1 KB, and ~1.9 M against ~27 M
 * samples per second per core (`npm run bench -- nab`). So the stronger tier is also bounded in series
 * (ConsoleOptions.strongSeries, default STRONG_SERIES_DEFAULT: ~86 MB); beyond, a series gets the cheap
 * tier and is counted (ScorerStats.strongRefused).
 */
import { parseSeriesKey } from '@cerebro/shared/protocol/series';

/** Series the stronger tier scores at most, by default: ~86 MB of detector state, ~290 hosts of 34 headline series. */
export const STRONG_SERIES_DEFAULT = 10_000;

/** Headline series by name, with the labels they may carry (a series with any other label is not one). */
const HEADLINE: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  (
    [
      [['cpu.util_pct', 'cpu.iowait_pct', 'cpu.steal_pct', 'mem.used_pct', 'mem.available_bytes', 'mem.swap_used_pct', 'mem.major_faults_ps', 'load.1'], []],
      [['net.tcp.retrans_segs_ps', 'net.tcp.curr_estab', 'proc.count', 'proc.running', 'proc.blocked'], []],
      [['fs.used_pct', 'fs.inodes_used_pct'], ['mount']],
      [['disk.util_pct', 'disk.await_ms'], ['dev']],
      [['net.rx_bps', 'net.tx_bps', 'net.rx_drop_ps'], ['if']],
    ] as const
  ).flatMap(([names, labels]) => names.map((n) => [n, new Set<string>(labels)] as const)),
);

/** Whether a series is one of a host's headline series (see above), which the stronger tier scores. */
export function isHeadlineSeries(key: string): boolean {
  const parsed = parseSeriesKey(key);
  if (parsed === null) return false;
  const allowed = HEADLINE.get(parsed.name);
  return allowed !== undefined && Object.keys(parsed.labels).every((l) => allowed.has(l));
}
