/**
 * Nezha RCA data loader for the `rca` benchmark (layout of ../shared/data/rca-nezha, contract in
 * ../shared/BENCHMARKS.md): `<day>/<day>-fault_list.json` and `<day>/metric/` with one
 * `<pod>_metric.csv` per pod, `dependency.csv` (Source,Target call graph) and optional call-edge latency
 * tables (`source_50.csv`, `destination_50.csv`: one `<caller>_<callee>` column per call edge). It maps
 * them onto the generic ranker input: services are entities (a pod maps to its service by dropping the
 * last two `-` segments), calls are edges, pod columns and edge latencies are series.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Direction, RcaEdge, RcaInput, RcaSeries } from '@cerebro/shared/analytics/rca/types';

export interface Fault {
  readonly at: number;
  readonly pod: string;
  readonly service: string;
  readonly type: string;
}

interface Table {
  readonly t: number[];
  readonly columns: Map<string, number[]>;
}

export interface NezhaDay {
  readonly day: string;
  readonly faults: Fault[];
  readonly services: string[];
  readonly edges: RcaEdge[];
  readonly series: RcaSeries[];
  /** What the loader left out or repaired, counted (never silently). */
  readonly notes: { readonly skippedEdges: number; readonly repairedTimestamps: number; readonly skippedFiles: string[] };
}

export interface NezhaCase {
  readonly day: string;
  readonly index: number;
  readonly fault: Fault;
  readonly input: RcaInput;
}

const WINDOW_BEFORE_MS = 10 * 60_000;
const WINDOW_AFTER_MS = 5 * 60_000;

/** `frontend-579b9bff58-t2dbm` → `frontend`: drop the ReplicaSet hash and the pod suffix. */
export function podService(pod: string): string {
  const parts = pod.split('-');
  if (parts.length < 3) throw new Error(`pod name "${pod}" has fewer than three "-" segments; expected <service>-<hash>-<suffix>`);
  return parts.slice(0, -2).join('-');
}

/** Days are the folders holding `<day>/<day>-fault_list.json`, sorted. */
export function listDays(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, `${e.name}-fault_list.json`)))
    .map((e) => e.name)
    .sort();
}

function readFaults(file: string): Fault[] {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not readable JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object') throw new Error(`${file}: expected an object of hour → fault list`);
  const faults: Fault[] = [];
  for (const [hour, list] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new Error(`${file}: hour "${hour}" is not a list of faults`);
    for (const f of list as Array<Record<string, unknown>>) {
      const at = Number(f['inject_timestamp']) * 1000;
      const pod = f['inject_pod'];
      const type = f['inject_type'];
      if (!Number.isFinite(at) || typeof pod !== 'string' || typeof type !== 'string') {
        throw new Error(`${file}: hour "${hour}" has a fault without inject_timestamp, inject_pod or inject_type: ${JSON.stringify(f)}`);
      }
      faults.push({ at, pod, service: podService(pod), type });
    }
  }
  return faults.sort((a, b) => a.at - b.at);
}

/** `2022-08-22 03:51:19.799087274 +0000 UTC m=+0.3` → epoch ms, or NaN when it does not look like that. */
function parseTimeText(s: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? \+0000/.exec(s);
  if (m === null) return NaN;
  return Date.parse(`${m[1]}T${m[2]}${m[3] !== undefined ? m[3].slice(0, 4) : ''}Z`);
}

function parseValue(s: string, where: () => string): number {
  if (s === '' || s === 'NaN' || s === 'nan') return NaN;
  const x = Number(s);
  if (!Number.isFinite(x)) throw new Error(`${where()}: "${s}" is not a number`);
  return x;
}

/**
 * A metric table: first column the time as text, second the epoch seconds, the rest numbers. The text time
 * wins when the two disagree by more than 5 s (one published pod file has its TimeStamp column shifted);
 * each such row is counted. Plain split: these files have no quoted fields, and a quote is refused.
 */
function readTable(file: string, skipColumns: ReadonlySet<string>, repaired: { n: number }): Table {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l !== '');
  const header = (lines[0] ?? '').split(',');
  if (header.length < 3) throw new Error(`${file}: expected a header "Time,TimeStamp,..." with metric columns`);
  const keep = header.map((h, i) => i >= 2 && !skipColumns.has(h));
  const columns = new Map<string, number[]>(header.filter((_, i) => keep[i]).map((h) => [h, []]));
  const t: number[] = [];
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.includes('"')) throw new Error(`${file}:${li + 1}: quoted fields are not expected in a metric table`);
    const cells = line.split(',');
    if (cells.length !== header.length) throw new Error(`${file}:${li + 1}: ${cells.length} fields, the header has ${header.length}`);
    const stamp = Number(cells[1]) * 1000;
    const text = parseTimeText(cells[0]!);
    let at = stamp;
    if (Number.isFinite(text) && (!Number.isFinite(stamp) || Math.abs(text - stamp) > 5000)) {
      at = text;
      repaired.n++;
    }
    if (!Number.isFinite(at)) throw new Error(`${file}:${li + 1}: no usable time in "${cells[0]}" or "${cells[1]}"`);
    t.push(at);
    for (let i = 2; i < header.length; i++) {
      if (keep[i]) columns.get(header[i]!)!.push(parseValue(cells[i]!, () => `${file}:${li + 1} column ${header[i]}`));
    }
  }
  return sortTable({ t, columns });
}

/** Rows in time order (a repaired file may be out of order). */
function sortTable(tb: Table): Table {
  const order = tb.t.map((_, i) => i).sort((a, b) => tb.t[a]! - tb.t[b]!);
  if (order.every((x, i) => x === i)) return tb;
  return { t: order.map((i) => tb.t[i]!), columns: new Map([...tb.columns].map(([k, v]) => [k, order.map((i) => v[i]!)])) };
}

/** Which way a pod column goes wrong (the loader knows the column semantics; the ranker does not). */
export function columnDirection(column: string): Direction {
  if (/latency|cpu|memory/i.test(column)) return 'up';
  if (/success/i.test(column)) return 'down';
  return 'both';
}

/** `caller_callee` with both sides known services, else null. */
function splitEdgeColumn(col: string, services: ReadonlySet<string>): [string, string] | null {
  for (let i = col.indexOf('_'); i > 0; i = col.indexOf('_', i + 1)) {
    const a = col.slice(0, i);
    const b = col.slice(i + 1);
    if (services.has(a) && services.has(b)) return [a, b];
  }
  return null;
}

function readDependencies(file: string, services: ReadonlySet<string>): { edges: RcaEdge[]; skipped: number } {
  if (!fs.existsSync(file)) return { edges: [], skipped: 0 };
  const rows = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l !== '').slice(1);
  const edges: RcaEdge[] = [];
  let skipped = 0;
  for (const r of rows) {
    const [from, to] = r.split(',');
    // Edges to node IPs or the load generator have no metrics here: counted, not ranked.
    if (from !== undefined && to !== undefined && services.has(from) && services.has(to)) edges.push({ from, to });
    else skipped++;
  }
  return { edges, skipped };
}

// Pod columns that are not the pod's own: node figures describe the machine (not a service-level
// candidate here), the pod name is a label.
const POD_SKIP = new Set(['PodName', 'NodeCpuUsageRate(%)', 'NodeMemoryUsageRate(%)', 'NodeNetworkReceiveBytes']);

export function loadDay(dir: string, day: string): NezhaDay {
  const metricDir = path.join(dir, day, 'metric');
  const faults = readFaults(path.join(dir, day, `${day}-fault_list.json`));
  const files = fs.readdirSync(metricDir).sort();
  const podFiles = files.filter((f) => f.endsWith('_metric.csv'));
  if (podFiles.length === 0) throw new Error(`${metricDir}: no <pod>_metric.csv files`);
  const repaired = { n: 0 };
  const series: RcaSeries[] = [];
  const services = new Set<string>();
  for (const f of podFiles) {
    const pod = f.slice(0, -'_metric.csv'.length);
    const service = podService(pod);
    services.add(service);
    const tb = readTable(path.join(metricDir, f), POD_SKIP, repaired);
    for (const [col, v] of tb.columns) {
      if (col.startsWith('Node')) continue;
      series.push({ entity: service, metric: col, direction: columnDirection(col), t: tb.t, v });
    }
  }
  const skippedFiles: string[] = [];
  for (const f of files.filter((x) => x.endsWith('.csv') && !x.endsWith('_metric.csv') && x !== 'dependency.csv' && x !== 'front_service.csv')) {
    const tb = readTable(path.join(metricDir, f), new Set(), repaired);
    const stem = f.slice(0, -4);
    const pairs = [...tb.columns.keys()].map((c) => [c, splitEdgeColumn(c, services)] as const);
    if (pairs.length === 0 || pairs.some(([, p]) => p === null)) {
      skippedFiles.push(`${f} (not a <caller>_<callee> latency table)`);
      continue;
    }
    for (const [col, p] of pairs) series.push({ entity: p![1], peer: p![0], metric: `${stem} latency`, direction: 'up', t: tb.t, v: tb.columns.get(col)! });
  }
  // front_service.csv is the users' view of the whole system (a symptom, not a location): left out.
  if (files.includes('front_service.csv')) skippedFiles.push('front_service.csv (system-wide symptom, no location)');
  const deps = readDependencies(path.join(metricDir, 'dependency.csv'), services);
  return { day, faults, services: [...services].sort(), edges: deps.edges, series, notes: { skippedEdges: deps.skipped, repairedTimestamps: repaired.n, skippedFiles } };
}

function lowerBound(t: readonly number[], x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The ranker's view of fault `index`: 10 min before it to 5 min after, never past the next injection. */
export function caseInput(d: NezhaDay, index: number): RcaInput {
  const f = d.faults[index]!;
  const next = d.faults[index + 1]?.at ?? Infinity;
  const from = f.at - WINDOW_BEFORE_MS;
  const to = Math.min(f.at + WINDOW_AFTER_MS, next);
  const series = d.series.map((s) => {
    const a = lowerBound(s.t, from);
    // Samples strictly before the next injection; up to and including f.at + 5 min otherwise.
    const b = to === next ? lowerBound(s.t, to) : lowerBound(s.t, to + 1);
    return { ...s, t: s.t.slice(a, b), v: s.v.slice(a, b) };
  });
  return { entities: d.services.map((id) => ({ id, kind: 'service' as const })), edges: d.edges, series, anomalyAt: f.at };
}

export function dayCases(d: NezhaDay): NezhaCase[] {
  return d.faults.map((fault, index) => ({ day: d.day, index, fault, input: caseInput(d, index) }));
}
