/**
 * Per-host key-list caches (the telemetry store and the alert scorer): a collector sends the same key list
 * in every frame, so resolving keys once and reusing the result while the list is unchanged avoids a Map
 * lookup per sample. Strings decoded from each frame are new objects, but `===` compares their contents,
 * which measured cheaper than hashing them again (+55 % appendBatch rate, tsdb/bench-tsdb.ts).
 */

/** The first `n` keys of `keys` are the cached list (of exactly `n` keys). */
export function sameKeyList(cached: readonly string[], keys: readonly string[], n: number): boolean {
  if (cached === keys) return cached.length === n;
  if (cached.length !== n || keys.length < n) return false;
  for (let i = 0; i < n; i++) if (cached[i] !== keys[i]) return false;
  return true;
}
