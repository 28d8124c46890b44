/**
 * Root-cause ranking over a generic input (entities, a dependency graph, per-entity series around the
 * anomaly): each series is scored against its own baseline (evidence.ts), each entity takes its strongest
 * series (a callee's call latencies counted as far as all its callers saw them move), a personalised
 * random walk over the dependency graph moves blame from callers to the dependencies that explain them
 * (walk.ts), and the entity whose evidence started first gets a bonus. Each cause carries a one-sentence
 * explanation built from that evidence (explain.ts).
 */
import { err, ok, type Result } from '../../result';
import { seriesEvidence } from './evidence';
import { explainCause } from './explain';
import { RCA_DEFAULTS, RCA_ERRORS, type Evidence, type RankedCause, type RcaError, type RcaErrorCode, type RcaInput, type RcaOptions, type RcaResult } from './types';
import { personalisedPageRank } from './walk';

function fail(code: RcaErrorCode, detail: string): RcaError {
  return { code, message: `${RCA_ERRORS[code]} (${detail})` };
}

function validate(input: RcaInput): RcaError | null {
  if (!Number.isFinite(input.anomalyAt)) return fail('badTime', `got ${String(input.anomalyAt)}`);
  if (input.entities.length === 0) return fail('noEntities', 'entities is empty');
  const ids = new Set<string>();
  for (const e of input.entities) {
    if (ids.has(e.id)) return fail('duplicateEntity', `"${e.id}"`);
    ids.add(e.id);
  }
  for (const e of input.edges) {
    for (const id of [e.from, e.to]) if (!ids.has(id)) return fail('unknownEntity', `edge ${e.from} → ${e.to} names "${id}"`);
  }
  for (const s of input.series) {
    if (!ids.has(s.entity)) return fail('unknownEntity', `series ${s.metric} names "${s.entity}"`);
    if (s.peer !== undefined && !ids.has(s.peer)) return fail('unknownEntity', `series ${s.metric} has peer "${s.peer}"`);
    if (s.t.length !== s.v.length) return fail('badSeries', `${s.entity} ${s.metric}: ${s.t.length} times, ${s.v.length} values`);
    for (let i = 0; i < s.t.length; i++) {
      if (!Number.isFinite(s.t[i]!) || (i > 0 && s.t[i]! < s.t[i - 1]!)) return fail('badSeries', `${s.entity} ${s.metric}: sample ${i} at ${String(s.t[i])}`);
    }
  }
  return null;
}

interface EntityEvidence {
  anomaly: number;
  onsetAt: number | null;
  evidence: Evidence[];
}

/**
 * An entity's series scores, strongest first, with its call-edge series (those with a peer) of one metric
 * folded into one score across the callers that measured them: (1 − c)·strongest + c·weakest. A callee
 * whose calls slowed for every caller is a cause; one whose calls slowed for a single caller only (a
 * low-traffic caller's noisy percentiles, or trouble on that caller's side) gets the weakest caller's view.
 */
export function entityScores(evidence: readonly Evidence[], consensus: number): number[] {
  const out: number[] = [];
  const byMetric = new Map<string, number[]>();
  for (const e of evidence) {
    if (e.peer === undefined) out.push(e.score);
    else {
      const xs = byMetric.get(e.metric);
      if (xs === undefined) byMetric.set(e.metric, [e.score]);
      else xs.push(e.score);
    }
  }
  for (const xs of byMetric.values()) out.push((1 - consensus) * Math.max(...xs) + consensus * Math.min(...xs));
  return out.sort((a, b) => b - a);
}

/** Per-entity anomaly: the strongest series (call-edge series folded across callers), plus a weighted
 * second one. */
function gatherEvidence(input: RcaInput, o: RcaOptions): { byEntity: Map<string, EntityEvidence>; skipped: number } {
  const byEntity = new Map<string, EntityEvidence>(input.entities.map((e) => [e.id, { anomaly: 0, onsetAt: null, evidence: [] }]));
  let skipped = 0;
  for (const s of input.series) {
    const ev = seriesEvidence(s, input.anomalyAt, o);
    if (ev === null) skipped++;
    else byEntity.get(s.entity)!.evidence.push(ev);
  }
  for (const e of byEntity.values()) {
    e.evidence.sort((a, b) => b.score - a.score);
    const scores = entityScores(e.evidence, o.peerConsensus);
    e.anomaly = (scores[0] ?? 0) + o.secondWeight * (scores[1] ?? 0);
    // Onset: the earliest onset among the series that carry real weight.
    const strong = e.evidence.filter((x) => x.onsetAt !== null && x.score >= Math.log1p(o.onsetZ));
    e.onsetAt = strong.length > 0 ? Math.min(...strong.map((x) => x.onsetAt!)) : null;
  }
  return { byEntity, skipped };
}

export function rankCauses(input: RcaInput, options: Partial<RcaOptions> = {}): Result<RcaResult, RcaError> {
  const bad = validate(input);
  if (bad !== null) return err(bad);
  const o: RcaOptions = { ...RCA_DEFAULTS, ...options };
  const { byEntity, skipped } = gatherEvidence(input, o);
  const ids = input.entities.map((e) => e.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const callees = ids.map(() => [] as number[]);
  const callers = ids.map(() => [] as number[]);
  // Aggregate edges by from·n + to; an edge also given plain is plain (the caller keeps its full step back).
  const n = ids.length;
  const aggregate = new Set<number>();
  const plain = new Set<number>();
  for (const e of input.edges) {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    if (a === b) continue;
    (e.aggregate === true ? aggregate : plain).add(a * n + b);
    if (callees[a]!.includes(b)) continue;
    callees[a]!.push(b);
    callers[b]!.push(a);
  }
  for (const k of plain) aggregate.delete(k);
  const anomaly = ids.map((id) => byEntity.get(id)!.anomaly);
  const visits = personalisedPageRank({ anomaly, callees, callers, aggregate: (from, to) => aggregate.has(from * n + to) }, o);
  const deviating = (i: number): boolean => anomaly[i]! >= Math.log1p(o.onsetZ);
  const onsets = ids.map((id) => byEntity.get(id)!.onsetAt).filter((t, i): t is number => t !== null && deviating(i));
  const firstOnsetAt = onsets.length > 0 ? Math.min(...onsets) : null;
  const scored = input.entities.map((ent, i) => {
    const ev = byEntity.get(ent.id)!;
    const first = firstOnsetAt !== null && ev.onsetAt === firstOnsetAt && deviating(i);
    return { ent, i, ev, score: visits[i]! * (first ? 1 + o.onsetBonus : 1) };
  });
  scored.sort((a, b) => b.score - a.score || b.ev.anomaly - a.ev.anomaly || a.ent.id.localeCompare(b.ent.id));
  const label = (i: number): string => input.entities[i]!.label ?? input.entities[i]!.id;
  const causes: RankedCause[] = scored.slice(0, o.top).map(({ ent, i, ev, score }) => {
    const explains = callers[i]!.filter(deviating).map(label);
    const evidence = ev.evidence.slice(0, 3);
    return {
      entity: ent.id,
      kind: ent.kind,
      label: label(i),
      score,
      anomaly: ev.anomaly,
      onsetAt: ev.onsetAt,
      evidence,
      explains,
      explanation: explainCause({ label: label(i), evidence, onsetAt: ev.onsetAt, firstOnsetAt, anomalyAt: input.anomalyAt, explains }),
    };
  });
  return ok({ causes, skippedSeries: skipped });
}
