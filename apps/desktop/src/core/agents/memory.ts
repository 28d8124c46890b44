/**
 * Lexical memory of past incidents: BM25 (k1 = 1.2, b = 0.75) over each incident's title, series keys,
 * services and cause explanations, so a diagnosis can cite similar past incidents. The fallback the agents
 * issue names for when no embedding model is loaded; the index is rebuilt from the stored incidents on
 * each search (at most a few hundred documents).
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
