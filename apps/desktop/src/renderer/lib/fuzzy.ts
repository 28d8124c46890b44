/**
 * Fuzzy matching for the command palette: the query's characters must appear in order in the text
 * (case-insensitive). Higher scores for matches at the start, after a separator ("web-2" ← "w2"), and in
 * consecutive runs, so "db" ranks "db-01" above "dashboard".
 */
export interface FuzzyMatch {
  readonly score: number;
  /** Indices of the matched characters in the text, for highlighting. */
  readonly indices: readonly number[];
}

const SEPARATORS = new Set(['-', '_', '.', ' ', '/', ':']);

export function fuzzyMatch(query: string, text: string): FuzzyMatch | null {
  const q = query.trim().toLowerCase();
  if (q === '') return { score: 0, indices: [] };
  const t = text.toLowerCase();
  // A plain substring is the strongest match: score it directly, earlier and at a word start is better.
  const at = t.indexOf(q);
  if (at >= 0) {
    const wordStart = at === 0 || SEPARATORS.has(t[at - 1] as string);
    return { score: 1000 + q.length * 10 - at + (wordStart ? 50 : 0) - t.length / 100, indices: Array.from({ length: q.length }, (_, i) => at + i) };
  }
  const indices: number[] = [];
  let score = 0;
  let ti = 0;
  let prev = -2;
  for (const ch of q) {
    const found = t.indexOf(ch, ti);
    if (found < 0) return null;
    score += 1;
    if (found === prev + 1) score += 5;
    if (found === 0 || SEPARATORS.has(t[found - 1] as string)) score += 8;
    indices.push(found);
    prev = found;
    ti = found + 1;
  }
  // Matches spread over a long text are weaker.
  score -= ((indices[indices.length - 1] as number) - (indices[0] as number)) / 10 + t.length / 100;
  return { score, indices };
}

/** Items matching the query, best first (ties keep their order); each item is matched on every one of its texts. */
export function fuzzyRank<T>(query: string, items: readonly T[], texts: (item: T) => readonly string[], limit = 50): Array<{ item: T; score: number }> {
  const out: Array<{ item: T; score: number; order: number }> = [];
  items.forEach((item, order) => {
    let best: number | null = null;
    for (const text of texts(item)) {
      const m = fuzzyMatch(query, text);
      if (m && (best === null || m.score > best)) best = m.score;
    }
    if (best !== null) out.push({ item, score: best, order });
  });
  out.sort((a, b) => b.score - a.score || a.order - b.order);
  return out.slice(0, limit).map(({ item, score }) => ({ item, score }));
}
