/**
 * Series keys: `name` or `name{label=value,label=value}` with labels sorted by name.
 * Names are dotted lower-case (`cpu.util`, `disk.read_bps`); values may not contain `,` `{` `}` `=`.
 */
export type Labels = Readonly<Record<string, string>>;

export const MAX_SERIES_KEY_LENGTH = 256;

/** Characters a label value may not contain; anything else is replaced by '_' in seriesKey(). */
const UNSAFE_VALUE = /[,{}=\n]/g;

export function seriesKey(name: string, labels?: Labels): string {
  if (!labels) return name;
  const names = Object.keys(labels);
  if (names.length === 0) return name;
  names.sort();
  let out = name + '{';
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    if (i > 0) out += ',';
    out += n + '=' + (labels[n] as string).replace(UNSAFE_VALUE, '_');
  }
  return out + '}';
}

export interface ParsedSeriesKey {
  readonly name: string;
  readonly labels: Labels;
}

/** Inverse of seriesKey; returns null for a string that is not a well-formed key. */
export function parseSeriesKey(key: string): ParsedSeriesKey | null {
  const open = key.indexOf('{');
  if (open < 0) return key.length > 0 ? { name: key, labels: {} } : null;
  if (!key.endsWith('}') || open === 0) return null;
  const labels: Record<string, string> = {};
  const body = key.slice(open + 1, -1);
  if (body.length > 0) {
    for (const pair of body.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return null;
      labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return { name: key.slice(0, open), labels };
}
