/**
 * Log-parsing accuracy measures as defined in ../shared/data/loghub/METRICS.md (Loghub-2.0): grouping
 * accuracy (GA), parsing accuracy (PA), F1 group accuracy (FGA) and F1 template accuracy (FTA). Inputs
 * are parallel arrays, one entry per line: the parser's group key or template, and the ground truth's.
 * Callers drop lines whose ground truth is empty before calling.
 */

function checkLengths(parsed: readonly string[], truth: readonly string[]): void {
  if (parsed.length !== truth.length) throw new Error(`parsed has ${parsed.length} lines but the ground truth has ${truth.length}`);
}

/** Line indices per key. */
function groupsOf(keys: readonly string[]): Map<string, number[]> {
  const g = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const list = g.get(k);
    if (list) list.push(i);
    else g.set(k, [i]);
  });
  return g;
}

interface GroupCheck {
  /** Parsed groups whose line set equals a ground-truth group's. */
  correctGroups: number;
  /** Lines in those groups. */
  correctLines: number;
  parsedGroups: number;
  truthGroups: number;
}

function checkGroups(parsed: readonly string[], truth: readonly string[]): GroupCheck {
  checkLengths(parsed, truth);
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  const pg = groupsOf(parsed);
  let correctGroups = 0;
  let correctLines = 0;
  for (const lines of pg.values()) {
    const t = truth[lines[0]!]!;
    // Same set ⇔ every line has truth t and the group holds as many lines as t has.
    if (lines.every((i) => truth[i] === t) && truthSize.get(t) === lines.length) {
      correctGroups++;
      correctLines += lines.length;
    }
  }
  return { correctGroups, correctLines, parsedGroups: pg.size, truthGroups: truthSize.size };
}

function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/** GA: share of lines in parsed groups that are exactly a ground-truth group. 0–1. */
export function groupingAccuracy(parsed: readonly string[], truth: readonly string[]): number {
  if (truth.length === 0) return 0;
  return checkGroups(parsed, truth).correctLines / truth.length;
}

/** FGA: F1 of correct groups over parsed groups (precision) and over ground-truth templates (recall). */
export function f1GroupAccuracy(parsed: readonly string[], truth: readonly string[]): number {
  const c = checkGroups(parsed, truth);
  if (c.parsedGroups === 0 || c.truthGroups === 0) return 0;
  return f1(c.correctGroups / c.parsedGroups, c.correctGroups / c.truthGroups);
}

/** PA: share of lines whose parsed template text equals the ground-truth template text exactly. */
export function parsingAccuracy(parsedTemplates: readonly string[], truthTemplates: readonly string[]): number {
  checkLengths(parsedTemplates, truthTemplates);
  if (truthTemplates.length === 0) return 0;
  let same = 0;
  for (let i = 0; i < truthTemplates.length; i++) if (parsedTemplates[i] === truthTemplates[i]) same++;
  return same / truthTemplates.length;
}

/**
 * FTA: a parsed template is correct when all its lines have one ground-truth template and its text
 * equals that template (it need not hold all of that template's lines). F1 of correct over parsed
 * templates and over ground-truth templates. Parsed templates are grouped by their text.
 */
export function f1TemplateAccuracy(parsedTemplates: readonly string[], truthTemplates: readonly string[]): number {
  checkLengths(parsedTemplates, truthTemplates);
  const pg = groupsOf(parsedTemplates);
  const truthCount = new Set(truthTemplates).size;
  if (pg.size === 0 || truthCount === 0) return 0;
  let correct = 0;
  for (const [text, lines] of pg) {
    const t = truthTemplates[lines[0]!]!;
    if (t === text && lines.every((i) => truthTemplates[i] === t)) correct++;
  }
  return f1(correct / pg.size, correct / truthCount);
}
