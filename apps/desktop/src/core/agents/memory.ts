/**
 * Lexical memory of past incidents: BM25 (k1 = 1.2, b = 0.75) over each incident's title, series keys,
 * services and cause explanations, so a diagnosis can cite similar past incidents. The fallback the agents
 * issue names for when no embedding model is loaded; the index is rebuilt from the stored incidents on
 * each search (at most a few hundred documents). The console's persisted, embedded memory
 * (embedding-memory.ts) uses the same index for its fallback; `similarIncidentsRanked` below serves where
 * no such memory is wired (tests, the benchmark).
 */
import type { Incident } from '@cerebro/shared/api/contract';

const K1 = 1.2;
const B = 0.75;

/** Lower-case word tokens; series keys split on their punctuation too (`cpu.util_pct` → cpu, util, pct). */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g)?.filter((t) => t.length > 1) ?? [];
}

export function incidentText(inc: Incident): string {
  return [inc.title, ...inc.alerts.map((a) => a.seriesKey), ...inc.services, ...inc.causes.map((c) => `${c.kind} ${c.name} ${c.explanation}`)].join(' ');
}

export interface Hit {
  readonly id: string;
  readonly score: number;
}

export class Bm25Index {
  private readonly docs: Array<{ id: string; tf: Map<string, number>; len: number }> = [];
  private readonly df = new Map<string, number>();
  private totalLen = 0;

  add(id: string, text: string): void {
    const tf = new Map<string, number>();
    const words = tokens(text);
    for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
    for (const w of tf.keys()) this.df.set(w, (this.df.get(w) ?? 0) + 1);
    this.docs.push({ id, tf, len: words.length });
    this.totalLen += words.length;
  }

  /** The best `k` documents for the query, best first; only those sharing a term with it. */
  search(query: string, k: number): Hit[] {
    const n = this.docs.length;
    if (n === 0) return [];
    const avg = this.totalLen / n;
    const terms = [...new Set(tokens(query))];
    const hits: Hit[] = [];
    for (const d of this.docs) {
      let score = 0;
      for (const t of terms) {
        const f = d.tf.get(t);
        if (!f) continue;
        const df = this.df.get(t) ?? 0;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score += (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * d.len) / avg));
      }
      if (score > 0) hits.push({ id: d.id, score });
    }
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, k);
  }
}

/** Past incidents (not `current`) most similar to `current`, best first. */
export function similarIncidents(current: Incident, past: readonly Incident[], k = 3): Array<{ incidentId: string; title: string; score: number }> {
  const index = new Bm25Index();
  const byId = new Map<string, Incident>();
  for (const p of past) {
    if (p.id === current.id) continue;
    index.add(p.id, incidentText(p));
    byId.set(p.id, p);
  }
  return index.search(incidentText(current), k).map((h) => ({ incidentId: h.id, title: byId.get(h.id)?.title ?? '', score: Math.round(h.score * 1000) / 1000 }));
}

/** Past incidents BM25 hands to the embedding rerank. */
const RERANK_POOL = 6;
/** Characters of an incident's text embedded (its title and series keys come first): each token costs CPU. */
const EMBED_TEXT_CHARS = 400;

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export type Embed = (texts: readonly string[]) => Promise<number[][]>;

/**
 * Similar past incidents: BM25's best RERANK_POOL, reranked by the loaded model's embeddings when there is
 * one (score: half BM25 normalised to the best hit, half cosine similarity). Vectors are cached per
 * incident version (id and updatedMs) in `cache`; an embedding failure leaves the BM25 order, and says why.
 */
export async function similarIncidentsRanked(
  current: Incident,
  past: readonly Incident[],
  embed: Embed | null,
  cache: Map<string, number[]>,
  k = 3,
): Promise<{ hits: Array<{ incidentId: string; title: string; score: number; by: 'bm25' | 'bm25+embedding' }>; note: string | null }> {
  const pool = similarIncidents(current, past, embed ? RERANK_POOL : k);
  const bm25 = pool.map((h) => ({ ...h, by: 'bm25' as const }));
  if (!embed || pool.length === 0) return { hits: bm25.slice(0, k), note: null };
  const byId = new Map(past.map((p) => [p.id, p]));
  const key = (inc: Incident): string => `${inc.id}:${inc.updatedMs}`;
  const wanted = [current, ...pool.flatMap((h) => byId.get(h.incidentId) ?? [])];
  const missing = wanted.filter((inc) => !cache.has(key(inc)));
  try {
    if (missing.length > 0) {
      const vectors = await embed(missing.map((inc) => incidentText(inc).slice(0, EMBED_TEXT_CHARS)));
      missing.forEach((inc, i) => vectors[i] && cache.set(key(inc), vectors[i]));
      while (cache.size > 2_000) cache.delete(cache.keys().next().value as string);
    }
  } catch (e) {
    return { hits: bm25.slice(0, k), note: `similar incidents by BM25 only: ${(e as Error).message}` };
  }
  const mine = cache.get(key(current));
  const best = pool[0]?.score || 1;
  const scored = pool.map((h) => {
    const inc = byId.get(h.incidentId);
    const v = inc ? cache.get(key(inc)) : undefined;
    const cos = mine && v ? cosine(mine, v) : 0;
    return { incidentId: h.incidentId, title: h.title, score: Math.round((0.5 * (h.score / best) + 0.5 * cos) * 1000) / 1000, by: 'bm25+embedding' as const };
  });
  return { hits: scored.sort((a, b) => b.score - a.score || (a.incidentId < b.incidentId ? -1 : 1)).slice(0, k), note: null };
}
