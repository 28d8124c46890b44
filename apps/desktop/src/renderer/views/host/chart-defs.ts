/** Which series each host chart draws, picked from the host's series list. Pure. */
import type { SeriesInfo } from '@cerebro/shared/api/contract';
import { parseSeriesKey } from '@cerebro/shared/protocol/series';
import type { ChartUnit } from '../../charts/scale';

export interface ChartLine {
  readonly key: string;
  readonly label: string;
}

export interface ChartDef {
  readonly id: 'cpu' | 'mem' | 'disk' | 'net';
  readonly title: string;
  readonly unit: ChartUnit;
  readonly lines: readonly ChartLine[];
}

/** Most devices / interfaces drawn per chart: the busiest by latest value. */
const MAX_DEVICES = 2;

function busiest(series: readonly SeriesInfo[], names: readonly string[], label: string, skip: (v: string) => boolean): ChartLine[] {
  const load = new Map<string, number>();
  for (const s of series) {
    const p = parseSeriesKey(s.key);
    const dev = p?.labels[label];
    if (!p || dev === undefined || !names.includes(p.name) || skip(dev)) continue;
    load.set(dev, (load.get(dev) ?? 0) + s.lastValue);
  }
  const devices = [...load.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, MAX_DEVICES).map(([d]) => d);
  const out: ChartLine[] = [];
  for (const d of devices.sort()) {
    for (const n of names) out.push({ key: `${n}{${label}=${d}}`, label: `${d} ${n.split('.')[1]?.replace('_bps', '') ?? n}` });
  }
  return out;
}

export function chartDefs(series: readonly SeriesInfo[]): ChartDef[] {
  const has = new Set(series.map((s) => s.key));
  const pick = (lines: ChartLine[]): ChartLine[] => lines.filter((l) => has.has(l.key));
  return [
    { id: 'cpu', title: 'CPU', unit: 'pct', lines: pick([{ key: 'cpu.util_pct', label: 'used' }, { key: 'cpu.iowait_pct', label: 'iowait' }]) },
    { id: 'mem', title: 'Memory', unit: 'pct', lines: pick([{ key: 'mem.used_pct', label: 'used' }, { key: 'mem.swap_used_pct', label: 'swap' }]) },
    { id: 'disk', title: 'Disk I/O', unit: 'bytesPerSec', lines: pick(busiest(series, ['disk.read_bps', 'disk.write_bps'], 'dev', () => false)) },
    { id: 'net', title: 'Network', unit: 'bytesPerSec', lines: pick(busiest(series, ['net.rx_bps', 'net.tx_bps'], 'if', (i) => i === 'lo')) },
  ];
}
