/** CPU time split and scheduler counters from /proc/stat (node_exporter's cpu + stat collectors). */
import type { CollectOutput, Source, SourceContext } from './source';
import { KeptFile } from './read';
import { Rates } from './rates';

/** Cumulative time per CPU state, in jiffies (USER_HZ, 1/100 s). */
export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly irq: number;
  readonly softirq: number;
  readonly steal: number;
}

export interface ProcStat {
  readonly total: CpuTimes;
  /** Per core, keyed by the kernel's number ('0', '1', ...); offline cores are absent. */
  readonly cores: ReadonlyArray<{ readonly core: string; readonly times: CpuTimes }>;
  /** Context switches since boot. */
  readonly ctxt: number;
  /** Interrupts serviced since boot (the first number of the intr line). */
  readonly intr: number;
  /** Processes and threads created since boot. */
  readonly forks: number;
  readonly procsRunning: number;
  readonly procsBlocked: number;
  /** Boot time, seconds since the epoch. */
  readonly btime: number;
}

const STATES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

function parseTimes(fields: readonly string[]): CpuTimes {
  // guest and guest_nice (fields 9 and 10) are already counted in user and nice.
  const n = (i: number): number => Number(fields[i + 1] ?? 0) || 0;
  return { user: n(0), nice: n(1), system: n(2), idle: n(3), iowait: n(4), irq: n(5), softirq: n(6), steal: n(7) };
}

export function parseStat(text: string): ProcStat {
  let total: CpuTimes | null = null;
  const cores: Array<{ core: string; times: CpuTimes }> = [];
  const scalars: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split(/\s+/);
    const key = fields[0] ?? '';
    if (key === 'cpu') total = parseTimes(fields);
    else if (key.startsWith('cpu')) cores.push({ core: key.slice(3), times: parseTimes(fields) });
    else scalars[key] = Number(fields[1] ?? 0) || 0;
  }
  if (total === null) throw new Error('no cpu line in /proc/stat');
  return {
    total,
    cores,
    ctxt: scalars['ctxt'] ?? 0,
    intr: scalars['intr'] ?? 0,
    forks: scalars['processes'] ?? 0,
    procsRunning: scalars['procs_running'] ?? 0,
    procsBlocked: scalars['procs_blocked'] ?? 0,
    btime: scalars['btime'] ?? 0,
  };
}

/** Percent of the interval spent in each state, or null when any counter went backwards or no time passed. */
function shares(rates: Rates, key: string, t: CpuTimes): Record<(typeof STATES)[number], number> | null {
  const d = {} as Record<(typeof STATES)[number], number>;
  let sum = 0;
  let complete = true;
  // Every state is recorded, even after a missing one, so that all have a previous value next tick.
  for (const s of STATES) {
    const v = rates.delta(`${key}.${s}`, t[s]);
    if (v === null) complete = false;
    else sum += d[s] = v;
  }
  if (!complete || sum <= 0) return null;
  for (const s of STATES) d[s] = (d[s] / sum) * 100;
  return d;
}

export class CpuSource implements Source {
  readonly name = 'cpu';
  private readonly file: KeptFile;
  private readonly rates = new Rates();

  constructor(private readonly ctx: SourceContext) {
    this.file = new KeptFile(`${ctx.procRoot}/stat`);
  }

  collect(out: CollectOutput): void {
    const stat = parseStat(this.file.read());
    this.rates.begin(this.ctx.now());

    const all = shares(this.rates, 'cpu', stat.total);
    if (all) {
      out.gauge('cpu.util_pct', Math.max(0, 100 - all.idle - all.iowait));
      out.gauge('cpu.user_pct', all.user + all.nice);
      out.gauge('cpu.system_pct', all.system);
      out.gauge('cpu.iowait_pct', all.iowait);
      out.gauge('cpu.steal_pct', all.steal);
      out.gauge('cpu.irq_pct', all.irq + all.softirq);
      out.gauge('cpu.idle_pct', all.idle);
    }
    for (const { core, times } of stat.cores) {
      const s = shares(this.rates, `cpu${core}`, times);
      if (!s) continue;
      const labels = { core };
      out.gauge('cpu.util_pct', Math.max(0, 100 - s.idle - s.iowait), labels);
      out.gauge('cpu.user_pct', s.user + s.nice, labels);
      out.gauge('cpu.system_pct', s.system, labels);
      out.gauge('cpu.iowait_pct', s.iowait, labels);
      out.gauge('cpu.steal_pct', s.steal, labels);
    }

    const ctxt = this.rates.rate('ctxt', stat.ctxt);
    if (ctxt !== null) out.gauge('cpu.ctx_switches_ps', ctxt);
    const intr = this.rates.rate('intr', stat.intr);
    if (intr !== null) out.gauge('cpu.interrupts_ps', intr);
    const forks = this.rates.rate('forks', stat.forks);
    if (forks !== null) out.gauge('proc.forks_ps', forks);
    out.gauge('proc.running', stat.procsRunning);
    out.gauge('proc.blocked', stat.procsBlocked);
    this.rates.end();
  }

  close(): void {
    this.file.close();
  }
}
