/**
 * Online, one-pass template miner in the manner of Drain (He et al., ICWS'17): a fixed-depth tree routes
 * a masked line by its token count and its first tokens to a short list of templates, and the line joins
 * the most similar one if the similarity reaches a threshold (positions that differ become `<*>`), or
 * starts a new template. Memory is bounded: past `maxTemplates` the least recently matched template is
 * dropped. Template ids are a hash of the template's first text, so a restored miner gives the same ids.
 */
import { createMasker, WILDCARD, type Masker } from './masker';

export interface MinerOptions {
  /** Leading tokens used to route a line below the token-count level (Drain's depth − 2). */
  readonly prefixTokens: number;
  /**
   * Share of token positions where a line must equal the template's constant to join it, 0–1 (Drain's
   * similarity: the template's `<*>` positions count as unequal). Capped at (n − 1)/n for n tokens; a
   * template whose constants all match the line (covers it) is always joined.
   */
  readonly similarity: number;
  /** Children per tree node; tokens beyond that share one `<*>` child. */
  readonly maxChildren: number;
  /** Templates kept; the least recently matched is evicted beyond it. */
  readonly maxTemplates: number;
}

export const DEFAULT_MINER_OPTIONS: MinerOptions = { prefixTokens: 2, similarity: 0.8, maxChildren: 100, maxTemplates: 10_000 };

export interface Template {
  /** Stable id: 8 hex digits of FNV-1a over the template text when it was created. */
  readonly id: string;
  /** Tokens joined by single spaces, variables as `<*>`. */
  readonly text: string;
  /** Lines matched so far. */
  readonly count: number;
}

interface Cluster {
  id: string;
  tokens: string[];
  /** tokens joined, kept up to date by `generalise` so that matching a line does not re-join them. */
  text: string;
  count: number;
  /** Tree route, kept so that eviction and restore need not recompute it. */
  path: string[];
  /** The first line's constant tokens (see `skeleton`), under which the cluster is found across lengths. */
  skeleton: string;
}

interface TreeNode {
  children: Map<string, TreeNode>;
  clusters: Cluster[];
}

/** Serialised state (JSON-safe): restore it with `TemplateMiner.restore`. */
export interface MinerState {
  readonly version: 1;
  readonly options: MinerOptions;
  /** Least recently matched first. */
  readonly templates: ReadonlyArray<{ id: string; tokens: string[]; count: number; path: string[]; skeleton: string }>;
}

/** 32-bit FNV-1a of a string, as 8 hex digits: a template id that does not depend on insertion order. */
export function templateHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

const hasDigit = /\d/;
/** Dotted or slashed names (com.apple.x, org.foo.Bar, a/b) are usually a variable's value: never route on them. */
const dotted = /[A-Za-z0-9_][./\\][A-Za-z0-9_]/;

function isVariable(token: string): boolean {
  return token.includes(WILDCARD);
}

export class TemplateMiner {
  readonly options: MinerOptions;
  private readonly masker: Masker;
  private readonly root: TreeNode = { children: new Map(), clusters: [] };
  /** Insertion order = recency order (a matched cluster is re-inserted): the first entry is evicted. */
  private readonly byId = new Map<string, Cluster>();
  /**
   * template text → cluster: a masked line equal to a template's text is that template's (no other can
   * score higher), so the tree walk and the comparisons are skipped. Most lines of a settled log hit.
   */
  private readonly byText = new Map<string, Cluster>();
  /** skeleton → cluster: lines whose constants are a known template's, with more or fewer variables. */
  private readonly bySkeleton = new Map<string, Cluster>();

  constructor(options: Partial<MinerOptions> = {}, masker: Masker = createMasker()) {
    this.options = { ...DEFAULT_MINER_OPTIONS, ...options };
    this.masker = masker;
  }

  /** Number of templates held (at most `maxTemplates`). */
  get size(): number {
    return this.byId.size;
  }

  /** Mines one message (the free-text part of a log line, without its header) and returns its template. */
  add(message: string): Template {
    const masked = this.masker.mask(message);
    const known = this.byText.get(masked);
    if (known !== undefined) return this.touch(known);
    const tokens = tokenize(masked);
    const path = this.route(tokens);
    const leaf = this.descend(path, true)!;
    let best: Cluster | undefined;
    let bestSim = -1;
    let bestVars = -1;
    for (const c of leaf.clusters) {
      const [sim, vars] = similarity(c.tokens, tokens);
      if (sim > bestSim || (sim === bestSim && vars > bestVars)) {
        best = c;
        bestSim = sim;
        bestVars = vars;
      }
    }
    if (best !== undefined && bestSim >= threshold(this.options.similarity, tokens.length)) {
      if (generalise(best.tokens, tokens)) {
        if (this.byText.get(best.text) === best) this.byText.delete(best.text);
        best.text = best.tokens.join(' ');
        if (!this.byText.has(best.text)) this.byText.set(best.text, best);
      }
      return this.touch(best);
    }
    const sk = skeleton(tokens);
    const same = sk === null ? undefined : this.bySkeleton.get(sk);
    if (same !== undefined) return this.touch(same);
    const text = tokens.join(' ');
    let id = templateHash(text);
    // A 32-bit hash can collide; salt deterministically so two live templates never share an id.
    for (let salt = 1; this.byId.has(id); salt++) id = templateHash(`${text}#${salt}`);
    const cluster: Cluster = { id, tokens, text, count: 1, path, skeleton: sk ?? '' };
    if (sk !== null) this.bySkeleton.set(sk, cluster);
    if (!this.byText.has(text)) this.byText.set(text, cluster);
    leaf.clusters.push(cluster);
    this.byId.set(id, cluster);
    if (this.byId.size > this.options.maxTemplates) this.evictOldest();
    return view(cluster);
  }

  /** The template with this id, if it is still held. */
  get(id: string): Template | undefined {
    const c = this.byId.get(id);
    return c && view(c);
  }

  /** Every template held, least recently matched first. */
  templates(): Template[] {
    return [...this.byId.values()].map(view);
  }

  serialize(): MinerState {
    return { version: 1, options: this.options, templates: [...this.byId.values()].map((c) => ({ id: c.id, tokens: [...c.tokens], count: c.count, path: [...c.path], skeleton: c.skeleton })) };
  }

  static restore(state: MinerState, masker?: Masker): TemplateMiner {
    if (state.version !== 1) throw new Error(`miner state version ${String(state.version)} is not supported (expected 1)`);
    const m = new TemplateMiner(state.options, masker);
    for (const t of state.templates) {
      const c: Cluster = { id: t.id, tokens: [...t.tokens], text: t.tokens.join(' '), count: t.count, path: [...t.path], skeleton: t.skeleton };
      m.descend(c.path, true)!.clusters.push(c);
      if (c.skeleton !== '') m.bySkeleton.set(c.skeleton, c);
      if (!m.byText.has(c.text)) m.byText.set(c.text, c);
      m.byId.set(c.id, c);
    }
    return m;
  }

  /** Counts a match and makes the cluster the most recent (last in `byId`, evicted last). */
  private touch(c: Cluster): Template {
    c.count++;
    this.byId.delete(c.id);
    this.byId.set(c.id, c);
    return view(c);
  }

  /** Token count, then the first tokens; a token with a variable, a digit or a dotted name routes as `<*>`. */
  private route(tokens: readonly string[]): string[] {
    const path = [String(tokens.length)];
    // The last token never routes, so that messages of one or two words can still meet and merge.
    const n = Math.min(this.options.prefixTokens, tokens.length - 1);
    for (let i = 0; i < n; i++) {
      const t = tokens[i]!;
      path.push(isVariable(t) || hasDigit.test(t) || dotted.test(t) ? WILDCARD : t);
    }
    return path;
  }

  /** Walks (and with `create`, builds) the route; a full node sends new tokens to its `<*>` child. */
  private descend(path: string[], create: boolean): TreeNode | undefined {
    let node = this.root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      let next = node.children.get(key);
      if (next === undefined) {
        if (!create) return undefined;
        // The token-count level is never capped: lengths are few and must not mix.
        if (i > 0 && key !== WILDCARD && node.children.size >= this.options.maxChildren) {
          path[i] = WILDCARD;
          next = node.children.get(WILDCARD);
        }
        if (next === undefined) {
          next = { children: new Map(), clusters: [] };
          node.children.set(path[i]!, next);
        }
      }
      node = next;
    }
    return node;
  }

  private evictOldest(): void {
    const oldest = this.byId.values().next().value;
    if (oldest === undefined) return;
    this.byId.delete(oldest.id);
    if (this.bySkeleton.get(oldest.skeleton) === oldest) this.bySkeleton.delete(oldest.skeleton);
    if (this.byText.get(oldest.text) === oldest) this.byText.delete(oldest.text);
    // Remove it from its leaf, then prune nodes left empty so the tree stays bounded too.
    const trail: TreeNode[] = [this.root];
    for (const key of oldest.path) {
      const next = trail[trail.length - 1]!.children.get(key);
      if (next === undefined) return;
      trail.push(next);
    }
    const leaf = trail[trail.length - 1]!;
    leaf.clusters = leaf.clusters.filter((c) => c !== oldest);
    for (let i = oldest.path.length; i > 0; i--) {
      const node = trail[i]!;
      if (node.clusters.length > 0 || node.children.size > 0) break;
      trail[i - 1]!.children.delete(oldest.path[i - 1]!);
    }
  }
}

/**
 * Drain's similarity: share of positions where the template has a constant token equal to the line's,
 * over all positions (so a template's `<*>` positions count against a line that differs elsewhere: this
 * keeps "… proxy <*> HTTPS" and "… proxy <*> SOCKS5" apart). Two tokens that both hold a masked variable
 * (`<*>,` and `LOCAL(<*>),`) count as equal, since masking already said they vary. A template that covers
 * the line (every constant equal) scores 1, so lines of a settled template always join it rather than
 * spawning copies; among those the most specific wins. Second: the number of `<*>` positions, the tie-break (prefer the more general template).
 */
function similarity(template: readonly string[], tokens: readonly string[]): [number, number] {
  let same = 0;
  let vars = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const x = tokens[i]!;
    if (t === WILDCARD) vars++;
    else if (t === x || (t.includes(WILDCARD) && x.includes(WILDCARD))) same++;
    else if (fits(t, x)) vars++;
  }
  // Covering beats any partial match; among covering templates the most specific (most constants) wins.
  if (same + vars === template.length) return [1 + same / (template.length + 1), vars];
  return [template.length === 0 ? 1 : same / template.length, vars];
}

function tokenize(masked: string): string[] {
  const out: string[] = [];
  for (const t of masked.split(' ')) if (t !== '') out.push(t);
  return out;
}

/** A token that is only a masked variable and punctuation: `<*>`, `(<*>)`, `<*>,`. */
const wildcardOnly = /^[^A-Za-z0-9_]*(?:<\*>[^A-Za-z0-9_]*)+$/;

/**
 * The line's constant tokens, in order, with the variable-only tokens left out: "<*> bytes (<*>) sent"
 * and "<*> bytes sent" share "bytes sent". Lines with the same skeleton but another token count are one
 * event whose variables vary in number (a list, an optional size), so they join the template of that
 * skeleton instead of starting their own. Null when fewer than two constants remain: too little to say.
 */
function skeleton(tokens: readonly string[]): string | null {
  const kept = tokens.filter((t) => !wildcardOnly.test(t));
  return kept.length < 2 ? null : kept.join(' ');
}

/**
 * Required similarity for a template of n tokens: the configured threshold, but never more than
 * (n − 1)/n, so a short message ("removing echo" / "removing ftp") can still differ in one token.
 */
function threshold(configured: number, n: number): number {
  return n <= 1 ? configured : Math.min(configured, (n - 1) / n);
}

const isPunct = (c: string): boolean => !/[A-Za-z0-9_]/.test(c);

/** Whether a line's token fits a template token with one `<*>` inside ("com.apple.<*>:" fits "com.apple.x:"). */
function fits(t: string, x: string): boolean {
  const k = t.indexOf(WILDCARD);
  if (k < 0 || t.indexOf(WILDCARD, k + 1) >= 0) return false;
  return x.length >= t.length - WILDCARD.length && x.startsWith(t.slice(0, k)) && x.endsWith(t.slice(k + WILDCARD.length));
}

/**
 * Where a template and a line differ the token becomes `<*>`, keeping punctuation both share at its ends
 * ("[<*>]"). True when the template changed.
 */
function generalise(template: string[], tokens: readonly string[]): boolean {
  let changed = false;
  for (let i = 0; i < template.length; i++) {
    const a = template[i]!;
    const b = tokens[i]!;
    if (a === b || a === WILDCARD) continue;
    if (fits(a, b)) continue;
    // Common prefix and suffix, cut back to whole segments (ending / starting at punctuation) and never
    // into an existing `<*>`: "com.apple.x:" and "com.apple.y:" give "com.apple.<*>:".
    const wa = a.indexOf(WILDCARD);
    const limit = Math.min(a.length, b.length);
    let p = 0;
    while (p < limit && a[p] === b[p] && (wa < 0 || p < wa)) p++;
    while (p > 0 && !isPunct(a[p - 1]!)) p--;
    const wz = a.lastIndexOf(WILDCARD);
    let q = 0;
    while (q < limit - p && a[a.length - 1 - q] === b[b.length - 1 - q] && (wz < 0 || a.length - 1 - q >= wz + WILDCARD.length)) q++;
    while (q > 0 && !isPunct(a[a.length - q]!)) q--;
    template[i] = a.slice(0, p) + WILDCARD + a.slice(a.length - q);
    changed = true;
  }
  return changed;
}

function view(c: Cluster): Template {
  return { id: c.id, text: c.text, count: c.count };
}
