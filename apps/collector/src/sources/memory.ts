/** Memory and swap from /proc/meminfo, paging and OOM counters from /proc/vmstat. */
import type { CollectOutput, Source, SourceContext } from './source';
import { KeptFile } from './read';
import { Rates } from './rates';

/** /proc/meminfo as bytes by field name (the kernel prints kB; HugePages_* counts are kept as counts). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(\s+kB)?/.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    out.set(m[1], Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

/** /proc/vmstat: `name value` lines, all cumulative counts or page counts. */
export function parseVmstat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

export class MemorySource implements Source {
  readonly name = 'memory';
  private readonly meminfo: KeptFile;
  private readonly vmstat: KeptFile;
  private readonly rates = new Rates();

  constructor(private readonly ctx: SourceContext) {
    this.meminfo = new KeptFile(`${ctx.procRoot}/meminfo`);
    this.vmstat = new KeptFile(`${ctx.procRoot}/vmstat`);
  }

  collect(out: CollectOutput): void {
    const mem = parseMeminfo(this.meminfo.read());
    const vm = parseVmstat(this.vmstat.read());
    const get = (k: string): number => mem.get(k) ?? 0;

    const total = get('MemTotal');
    // MemAvailable exists since Linux 3.14; before that free + buffers + cache is the usual estimate.
    const available = mem.get('MemAvailable') ?? get('MemFree') + get('Buffers') + get('Cached');
    const used = total - available;
    out.gauge('mem.total_bytes', total);
    out.gauge('mem.available_bytes', available);
    out.gauge('mem.used_bytes', used);
    out.gauge('mem.used_pct', total > 0 ? (used / total) * 100 : 0);
    out.gauge('mem.free_bytes', get('MemFree'));
    out.gauge('mem.cached_bytes', get('Cached'));
    out.gauge('mem.buffers_bytes', get('Buffers'));

    const swapTotal = get('SwapTotal');
    const swapUsed = swapTotal - get('SwapFree');
    out.gauge('mem.swap_total_bytes', swapTotal);
    out.gauge('mem.swap_used_bytes', swapUsed);
    out.gauge('mem.swap_used_pct', swapTotal > 0 ? (swapUsed / swapTotal) * 100 : 0);

    this.rates.begin(this.ctx.now());
    const rate = (metric: string, field: string): void => {
      const v = vm.get(field);
      if (v === undefined) return;
      const r = this.rates.rate(field, v);
      if (r !== null) out.gauge(metric, r);
    };
    rate('mem.swap_in_pps', 'pswpin');
    rate('mem.swap_out_pps', 'pswpout');
    rate('mem.major_faults_ps', 'pgmajfault');
    this.rates.end();

    // Absolute count since boot: the console alerts on any increase. Absent before Linux 4.13.
    const oom = vm.get('oom_kill');
    if (oom !== undefined) out.gauge('mem.oom_kills', oom);
  }

  close(): void {
    this.meminfo.close();
    this.vmstat.close();
  }
}
