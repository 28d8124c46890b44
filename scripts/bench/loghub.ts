/**
 * `loghub`: template-mining accuracy on Loghub-2k (GA vs the original ground truth, PA/FGA/FTA vs the
 * corrected one, per ../shared/data/loghub/METRICS.md) and mining speed in lines per second per core.
 * One parameter set for every system; each system starts with a fresh miner.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemplateMiner } from '@cerebro/shared/analytics/logs/miner';
import { numberOption, parseOptions, UsageError } from './args';
import type { Bench } from './bench';
import { listSystems, loadSystem, scoreSystem, type LoghubSystem } from './loghub-data';
import { progress, type BenchResult, type Figure } from './report';
import { round } from './stats';

const NAME = 'loghub';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (m: string): void => progress(NAME, m);

const options = {
  data: { type: 'string', help: 'folder with <S>/<S>_2k.log_structured*.csv', default: '../shared/data/loghub' },
  'min-cpu-sec': { type: 'string', help: 'CPU seconds of mining to time (the systems are mined again and again until then)', default: '3' },
} as const;

/** Drain's published figures (METRICS.md: GA from ICSE'19, PA/FTA from Loghub-2.0 on Loghub-2k corrected). */
const DRAIN: Record<string, { ga: number; pa: number | null; fta: number | null }> = {
  HDFS: { ga: 0.998, pa: 0.5, fta: 0.323 },
  Hadoop: { ga: 0.948, pa: 0.269, fta: 0.276 },
  Spark: { ga: 0.92, pa: 0.362, fta: 0.493 },
  Zookeeper: { ga: 0.967, pa: 0.497, fta: 0.354 },
  BGL: { ga: 0.963, pa: 0.342, fta: 0.211 },
  HPC: { ga: 0.887, pa: 0.635, fta: 0.366 },
  Thunderbird: { ga: 0.955, pa: 0.046, fta: 0.248 },
  Windows: { ga: 0.997, pa: null, fta: null },
  Mac: { ga: 0.787, pa: 0.217, fta: 0.199 },
  Proxifier: { ga: 0.527, pa: 0.0, fta: 0.0 },
};

/** Lines mined per CPU second of this process, over fresh miners on every system, repeated. */
function timeMining(systems: readonly LoghubSystem[], minCpuSec: number): number {
  const contents = systems.map((s) => s.lines.map((l) => l.content));
  let lines = 0;
  const t0 = process.cpuUsage();
  let cpuSec = 0;
  while (cpuSec < minCpuSec) {
    for (const c of contents) {
      const miner = new TemplateMiner();
      for (const line of c) miner.add(line);
      lines += c.length;
    }
    const u = process.cpuUsage(t0);
    cpuSec = (u.user + u.system) / 1e6;
  }
  return lines / cpuSec;
}

const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? '  —  ' : x.toFixed(3));

export const loghubBench: Bench = {
  name: NAME,
  summary: 'log template mining on Loghub-2k: GA, PA, FTA per system and lines/s per core',
  options,
  async run(argv): Promise<BenchResult> {
    const values = parseOptions(NAME, argv, options);
    const dir = path.resolve(REPO_ROOT, typeof values['data'] === 'string' ? values['data'] : options.data.default);
    const minCpuSec = numberOption(NAME, values, 'min-cpu-sec', 3, 0.1, 600, false);
    let names: string[];
    try {
      names = listSystems(dir);
    } catch (e) {
      throw new UsageError(`${NAME}: cannot read --data ${dir}: ${(e as Error).message}`);
    }
    if (names.length === 0) throw new UsageError(`${NAME}: no <S>/<S>_2k.log_structured.csv under ${dir}`);
    const systems = names.map((n) => loadSystem(dir, n));
    log(`${systems.length} systems, ${systems.reduce((a, s) => a + s.lines.length, 0)} lines from ${dir}`);
    const per: Record<string, Figure> = {};
    const rows: string[] = ['system        GA     (Drain)  PA     (Drain)  FTA    (Drain)  FGA    templates'];
    let ga = 0;
    let pa = 0;
    let fta = 0;
    let fga = 0;
    for (const s of systems) {
      const r = scoreSystem(s);
      per[s.name] = { ga: round(r.ga, 4), pa: round(r.pa, 4), fta: round(r.fta, 4), fga: round(r.fga, 4), templates: r.templates };
      ga += r.ga;
      pa += r.pa;
      fta += r.fta;
      fga += r.fga;
      const d = DRAIN[s.name];
      rows.push(`${s.name.padEnd(12)}  ${f3(r.ga)}  ${f3(d?.ga)}    ${f3(r.pa)}  ${f3(d?.pa)}    ${f3(r.fta)}  ${f3(d?.fta)}    ${f3(r.fga)}  ${r.templates}`);
    }
    process.stderr.write(rows.join('\n') + '\n');
    log(`timing: mining every system with a fresh miner until ${minCpuSec} CPU s`);
    const rate = timeMining(systems, minCpuSec);
    const n = systems.length;
    return {
      bench: NAME,
      figures: {
        ga: round(ga / n, 4),
        pa: round(pa / n, 4),
        fta: round(fta / n, 4),
        fga: round(fga / n, 4),
        linesPerSecPerCore: Math.round(rate),
        systems: per,
        goal: { ga: 0.95, pa: 0.8, linesPerSecPerCore: 500_000 },
      },
      skipped: {},
    };
  },
};
