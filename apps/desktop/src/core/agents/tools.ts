/**
 * The orchestrator's read-only tools: a series' latest value or range (TSDB), a log template's latest lines,
 * a topology node's neighbours, past incidents similar to a text, and (where the console has a memory) past
 * resolutions and runbooks similar to a text (the memory: cosine over the loaded model's embeddings, BM25
 * without them; the result names the method). Each answers with a short text the model reads; none
 * changes anything. Their arguments are enums of what exists (hosts, series, templates, nodes), so a
 * grammar-constrained call cannot name something that is not there.
 */
import type { AgentToolCall, AgentToolName, Incident } from '@cerebro/shared/api/contract';
import type { TopologyGraph } from '@cerebro/shared/topology/topology';
import type { FunctionSpec } from '../models/worker-protocol';
import type { MemorySearch, MemorySearchResult } from './embedding-memory';
import { Bm25Index, incidentText } from './memory';

/** What the tools read (the console core wires its stores in; tests pass fakes). */
export interface ToolSources {
  hosts(): ReadonlyArray<{ readonly id: string; readonly hostname: string }>;
  /** Series keys of a host. */
  seriesKeys(hostId: string): readonly string[];
  latest(hostId: string, key: string): { t: number; v: number } | null;
  /** Points of a series over [from, to], at most `maxPoints`. */
  range(hostId: string, key: string, from: number, to: number, maxPoints: number): ReadonlyArray<readonly [number, number]>;
  /** Log templates seen lately, most frequent first. */
  templates(): ReadonlyArray<{ readonly id: string; readonly text: string }>;
  /** The newest lines of a template, newest first. */
  logLines(templateId: string, limit: number): ReadonlyArray<{ readonly ts: number; readonly hostId: string; readonly msg: string }>;
  topology(): TopologyGraph;
  incidents(): Promise<readonly Incident[]>;
  /** The persisted memory (embeddings, BM25 fallback); absent: BM25 over `incidents()`, and no resolutions tool. */
  readonly memory?: MemorySearch;
  now?(): number;
}

/** What the tools may be asked about in one Ask: the choices of each argument's enum. */
export interface ToolScope {
  readonly hosts: readonly string[];
  readonly keys: readonly string[];
  readonly templates: readonly string[];
  readonly nodes: readonly string[];
  /** Whether the similarResolutions tool is offered (the console has a memory of resolutions and runbooks). */
  readonly resolutions?: boolean;
}

const MAX_CHOICES = 32;
const RESULT_CHARS = 600;
/** Series offered when no incident narrows them (the collector's standard ones). */
const COMMON_KEYS = ['cpu.util_pct', 'mem.used_pct', 'load.1m', 'disk.io_util_pct', 'net.rx_bps', 'net.tx_bps'];
export const SERIES_WINDOWS = ['latest', '15m', '1h'] as const;
const WINDOW_MS: Record<(typeof SERIES_WINDOWS)[number], number> = { latest: 0, '15m': 15 * 60_000, '1h': 3_600_000 };

const cap = <T>(xs: Iterable<T>): T[] => [...new Set(xs)].slice(0, MAX_CHOICES);
const clip = (s: string, n = RESULT_CHARS): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);
/** Three significant digits at most, no trailing zeros (96, 10.5, 0.0123). */
const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3))));

/** The choices for an Ask: the incident's hosts, series, templates and subgraph when there is one, else the fleet's. */
export function toolScope(sources: ToolSources, incident: Incident | null): ToolScope {
  if (incident) {
    return {
      hosts: cap(incident.hostIds),
      keys: cap(incident.alerts.map((a) => a.seriesKey)),
      templates: cap(incident.alerts.flatMap((a) => /template=([^,}]+)/.exec(a.seriesKey)?.[1] ?? [])),
      nodes: cap([...incident.subgraph.nodes, ...incident.hostIds.map((h) => `host:${h}`)]),
      ...(sources.memory ? { resolutions: true } : {}),
    };
  }
  const hosts = cap(sources.hosts().map((h) => h.id));
  return {
    hosts,
    keys: cap([...COMMON_KEYS, ...hosts.flatMap((h) => sources.seriesKeys(h).slice(0, 8))]),
    templates: cap(sources.templates().map((t) => t.id)),
    nodes: cap(hosts.map((h) => `host:${h}`)),
    ...(sources.memory ? { resolutions: true } : {}),
  };
}

/** One grammar branch per tool whose arguments have choices (`action` is the tool's name). */
export function toolBranches(scope: ToolScope): object[] {
  const out: object[] = [];
  const branch = (action: AgentToolName, args: Record<string, object>): void => {
    out.push({ type: 'object', properties: { action: { const: action }, ...args }, required: ['action', ...Object.keys(args)] });
  };
  if (scope.hosts.length > 0 && scope.keys.length > 0) branch('series', { hostId: { enum: scope.hosts }, key: { enum: scope.keys }, window: { enum: [...SERIES_WINDOWS] } });
  if (scope.templates.length > 0) branch('logTemplate', { templateId: { enum: scope.templates } });
  if (scope.nodes.length > 0) branch('neighbours', { node: { enum: scope.nodes } });
  branch('similarIncidents', { query: { type: 'string', maxLength: 80 } });
  if (scope.resolutions) branch('similarResolutions', { query: { type: 'string', maxLength: 80 } });
  return out;
}

/** The same tools as node-llama-cpp functions (the first step of an Ask offers them before its grammar turn). */
export function toolFunctions(scope: ToolScope): FunctionSpec[] {
  const descriptions: Record<AgentToolName, string> = {
    series: 'Latest value, or min/max over a window, of a series of a host (TSDB).',
    logTemplate: 'The newest log lines of a log template.',
    neighbours: 'Topology neighbours of a host or process node (who it calls, who calls it).',
    similarIncidents: 'Past incidents similar to a text (memory: embeddings, or BM25 without them).',
    similarResolutions: 'How past incidents like a text were resolved (remediation runs that ended, with outcome) and the runbooks that fit it.',
  };
  return toolBranches(scope).map((b) => {
    const { properties, required } = b as { properties: Record<string, object> & { action: { const: AgentToolName } }; required: string[] };
    const { action, ...params } = properties;
    return { name: action.const, description: descriptions[action.const], params: { type: 'object', properties: params, required: required.filter((r) => r !== 'action') } };
  });
}

export class ToolArgError extends Error {}

function arg(args: Readonly<Record<string, unknown>>, name: string, choices?: readonly string[]): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '') throw new ToolArgError(`"${name}" must be a non-empty string`);
  if (choices && !choices.includes(v)) throw new ToolArgError(`"${name}" must be one of the offered values, got ${JSON.stringify(v)}`);
  return v;
}

/** Check a call's arguments against the scope; the clean arguments, or a ToolArgError. */
export function toolArgs(tool: AgentToolName, raw: Readonly<Record<string, unknown>>, scope: ToolScope): Record<string, string> {
  switch (tool) {
    case 'series':
      return { hostId: arg(raw, 'hostId', scope.hosts), key: arg(raw, 'key', scope.keys), window: arg(raw, 'window', SERIES_WINDOWS) };
    case 'logTemplate':
      return { templateId: arg(raw, 'templateId', scope.templates) };
    case 'neighbours':
      return { node: arg(raw, 'node', scope.nodes) };
    case 'similarIncidents':
      return { query: arg(raw, 'query').slice(0, 80) };
    case 'similarResolutions':
      if (!scope.resolutions) throw new ToolArgError('similarResolutions is not offered: this console has no memory of resolutions');
      return { query: arg(raw, 'query').slice(0, 80) };
  }
}

/** Run one read-only tool; failures are results too (ok false), never thrown. */
export async function runTool(tool: AgentToolName, args: Readonly<Record<string, string>>, sources: ToolSources): Promise<AgentToolCall> {
  try {
    return { tool, args, ok: true, result: clip(await answer(tool, args, sources)) };
  } catch (e) {
    return { tool, args, ok: false, result: clip(`${tool} failed: ${(e as Error).message}`) };
  }
}

async function answer(tool: AgentToolName, args: Readonly<Record<string, string>>, s: ToolSources): Promise<string> {
  switch (tool) {
    case 'series': {
      const { hostId, key, window } = args as { hostId: string; key: string; window: (typeof SERIES_WINDOWS)[number] };
      const latest = s.latest(hostId, key);
      if (!latest) return `${hostId} has no series ${key}`;
      if (window === 'latest' || !(window in WINDOW_MS)) return `${key} on ${hostId}: ${num(latest.v)} at ${new Date(latest.t).toISOString()}`;
      const to = s.now?.() ?? Date.now();
      const pts = s.range(hostId, key, to - WINDOW_MS[window], to, 12);
      if (pts.length === 0) return `${key} on ${hostId}: no points in the last ${window}; latest ${num(latest.v)}`;
      const vs = pts.map((p) => p[1]);
      return `${key} on ${hostId}, last ${window}: min ${num(Math.min(...vs))}, max ${num(Math.max(...vs))}, latest ${num(latest.v)}; points ${vs.map(num).join(' ')}`;
    }
    case 'logTemplate': {
      const lines = s.logLines(args['templateId']!, 5);
      const text = s.templates().find((t) => t.id === args['templateId'])?.text;
      if (lines.length === 0) return `template ${args['templateId']}${text ? ` ("${text}")` : ''} has no stored lines`;
      return `template ${args['templateId']}${text ? ` ("${clip(text, 120)}")` : ''}, newest lines: ${lines.map((l) => `[${new Date(l.ts).toISOString()} ${l.hostId}] ${clip(l.msg, 100)}`).join(' | ')}`;
    }
    case 'neighbours': {
      const node = args['node']!;
      const g = s.topology();
      const label = new Map(g.nodes.map((n) => [n.id, n.label]));
      const out = g.edges.filter((e) => e.from === node && e.to !== node).map((e) => `${e.kind === 'runs' ? 'runs' : 'calls'} ${label.get(e.to) ?? e.to}${e.port !== null ? `:${e.port}` : ''}`);
      const inc = g.edges.filter((e) => e.to === node && e.from !== node).map((e) => `${e.kind === 'runs' ? 'run by' : 'called by'} ${label.get(e.from) ?? e.from}`);
      if (out.length + inc.length === 0) return `${label.get(node) ?? node} has no known neighbours`;
      return `${label.get(node) ?? node}: ${[...out, ...inc].slice(0, 16).join(', ')}`;
    }
    case 'similarIncidents': {
      if (s.memory) return describe(await s.memory.search('incident', args['query']!, 3), `no past incident matches "${args['query']}"`);
      const past = await s.incidents();
      const index = new Bm25Index();
      for (const p of past) index.add(p.id, incidentText(p));
      const hits = index.search(args['query']!, 3);
      if (hits.length === 0) return `no past incident matches "${args['query']}"`;
      const byId = new Map(past.map((p) => [p.id, p]));
      return hits.map((h) => `${h.id} (${byId.get(h.id)?.title ?? ''}, score ${h.score.toFixed(2)})`).join('; ');
    }
    case 'similarResolutions': {
      if (!s.memory) return 'this console has no memory of resolutions';
      const [runs, runbooks] = await Promise.all([s.memory.search('resolution', args['query']!, 3), s.memory.search('runbook', args['query']!, 2)]);
      return `resolutions: ${describe(runs, 'none match')}. Runbooks: ${describe(runbooks, 'none match')}`;
    }
  }
}

/** Hits as "id (title, score 0.83); … [by cosine]". */
function describe(r: MemorySearchResult, none: string): string {
  if (r.hits.length === 0) return `${none} [by ${r.method}]`;
  return `${r.hits.map((h) => `${h.id} (${clip(h.title, 100)}, score ${h.score.toFixed(2)})`).join('; ')} [by ${r.method}]`;
}
