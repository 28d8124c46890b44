/**
 * The smallest move of a series that means something in everyday terms, by unit (the series name's
 * suffix): 5 points of a percentage, 64 MiB of memory or space, 1 MiB/s of I/O, 10 operations or 100
 * packets a second, 10 ms of latency, 1 of a count (50 forks a second, 2 points of a filesystem's use:
 * NAME_FLOORS). Two users:
 * - the root-cause ranker (incidents/causes.ts) scales a series' deviation by at least this much, so a
 *   series that sat at a flat 0 does not outweigh every other signal with an infinite z;
 * - the alert scorer (alerts/scorer.ts) opens no alert on a deviation smaller than this: a collector's
 *   RSS up 4 MB or a hypervisor's steal up 2 points is a real change to a detector fed on a flat
 *   series, and noise to an SRE. For counts the scorer's floor also grows with the level
 *   (levelFloorFactor).
 */
import { parseSeriesKey } from '@cerebro/shared/protocol/series';

/** Smallest scale of a percentage series, points. */
export const PCT_FLOOR = 5;

const UNIT_FLOORS: ReadonlyArray<readonly [string, number]> = [
  ['_pct', PCT_FLOOR],
  ['_bytes', 64 * 2 ** 20],
  ['_bps', 2 ** 20],
  ['_iops', 10],
  ['_pps', 100],
  ['_ps', 10],
  ['_ms', 10],
];
/** Floor of anything else (counts such as processes or connections, load averages). */
const DEFAULT_FLOOR = 1;
/**
 * Series whose everyday moves differ from their unit's:
 * - `proc.forks_ps`, larger: an operator's shell command, a cron job or a package manager starts ten or
 *   more processes in a second on any host (in the scenario runs of 2026-11-26 every `proc.forks_ps` alert
 *   outside a fault was the author's own shell commands); a fork storm worth an alert is dozens a second;
 * - `fs.used_pct`, smaller: a filesystem's use does not jitter as a CPU's does, so 2 points away from its
 *   baseline (the last minute or two) is real growth. With the percentage's 5 points, the scenario run of
 *   2026-11-26 10:30 saw a 128 MiB filesystem filling at 2 MiB/s only after 3.2 s of it, and detected the
 *   fault in 5.0 s.
 * - `collector.tick_ms`, larger: the collector's own tick takes 1–10 ms on a quiet host, and a scheduling
 *   or page-cache hiccup stretches one tick to tens of ms (78 then 16 ms in the scenario run of
 *   2026-11-27 02:36, its one unexplained alert). What matters to an SRE is a collector falling behind its
 *   interval: 100 ms is a tenth of the default 1 s.
 */
const NAME_FLOORS: ReadonlyMap<string, number> = new Map([
  ['proc.forks_ps', 50],
  ['fs.used_pct', 2],
  ['collector.tick_ms', 100],
]);

/**
 * Counts (processes, threads, connections, sockets: a series with no unit suffix, load averages aside)
 * move by about the square root of their level on their own, as counts of independent things do: 30
 * connections come and go by 5 or 6, 600 threads by 25. For such a series the alert scorer's floor grows
 * to this many square roots of the series' level. The full scenario run of 2026-11-26 05:42 had 9
 * unexplained alerts of 37, every one a count moving by one or two against a floor of 1
 * (`net.tcp.curr_estab` ×5, `proc.threads` ×2, `proc.count`). The ranker keeps the fixed floor: there a
 * count that moved is evidence among others, not an alarm on its own.
 */
export const COUNT_LEVEL_SIGMAS = 2;

/** The floor's factor on the square root of the series' level: COUNT_LEVEL_SIGMAS for counts, else 0. */
export function levelFloorFactor(key: string): number {
  const name = parseSeriesKey(key)?.name ?? key;
  if (name.startsWith('load.') || name.startsWith('event.') || name.startsWith('log.') || name.startsWith('forecast.')) return 0;
  return UNIT_FLOORS.some(([suffix]) => name.endsWith(suffix)) ? 0 : COUNT_LEVEL_SIGMAS;
}

export function scaleFloor(key: string): number {
  const name = parseSeriesKey(key)?.name ?? key;
  return NAME_FLOORS.get(name) ?? UNIT_FLOORS.find(([suffix]) => name.endsWith(suffix))?.[1] ?? DEFAULT_FLOOR;
}

/**
 * Samples in a row ≥ enter that open an alert on a disk's series (`disk.*`: I/O rates, utilisation,
 * latency), on the CPUs' I/O wait (`cpu.iowait_pct`, per core too) and on the processes blocked in
 * uninterruptible I/O (`proc.blocked`, state D): three, where every other series needs the hysteresis'
 * two. A disk that sat idle reads in bursts of a second or two whenever a program starts on a cold page
 * cache (its binary and libraries): 170 reads a second for 2 s after minutes at 0.
 * Those bursts were the unexplained alerts of three scenario runs in a row (sessions 7–9:
 * `disk.read_iops{dev=vda}`, 2 of 25 on 2026-11-26 15:13, each 2 samples long). A write-back flush is the
 * same burst seen as time: the run of 2026-11-26 20:43 had 4 unexplained alerts of 29 on
 * `cpu.iowait_pct` (twice), `cpu.iowait_pct{core=1}` and `disk.util_pct{dev=vda}`, each resolved exactly
 * the hysteresis' 10 clearing samples after it opened, so each was 2 samples long; in the run of 23:40,
 * `proc.blocked` went from 0 to 1 for 2 s (a process waiting on that same flush). A process that really
 * loads a disk does so for longer, and the sustained rule (four samples ≥ 0.2) still opens on a smaller
 * steady rise. null: the hysteresis' own minimum.
 */
export const BURST_SAMPLES = 3;

export function minSamplesFor(key: string): number | null {
  const name = parseSeriesKey(key)?.name ?? key;
  return name.startsWith('disk.') || name === 'cpu.iowait_pct' || name === 'proc.blocked' ? BURST_SAMPLES : null;
}
