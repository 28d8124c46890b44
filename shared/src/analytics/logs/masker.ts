/**
 * Masking: replaces the variable parts of a log message (numbers, ids, addresses, times…) with `<*>`
 * before template mining, so that the miner compares only the words that carry the event type.
 *
 * Rules are plain regular expressions, joined into one alternation and applied in one left-to-right pass:
 * where several match at a position, the earlier rule in the list wins. Specific shapes (URLs, e-mails,
 * UUIDs, IPs) come first so that the generic "word that holds a digit" rule at the end does not cut them
 * into pieces.
 */

/** The placeholder for a variable, as in the Loghub ground truth. */
export const WILDCARD = '<*>';

export interface MaskRule {
  /** Short name, used in tests and in configuration to switch a rule off. */
  readonly name: string;
  /** Must have exactly the `g` flag: every occurrence is masked, and rules are joined into one regex. */
  readonly pattern: RegExp;
}

// Character class of "word" characters inside identifiers: letters, digits, underscore.
const W = 'A-Za-z0-9_';

/**
 * The default rules, most specific first. Each is general (seen in many log formats), not fitted to a
 * particular system.
 */
export const DEFAULT_MASK_RULES: readonly MaskRule[] = [
  { name: 'url', pattern: /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>()]+/g },
  { name: 'email', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  { name: 'uuid', pattern: /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g },
  // ISO-like date with optional time, zone: 2016-09-28, 2016-09-28T04:30:30.123Z, 2016/9/27.
  { name: 'datetime', pattern: /\b\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g },
  // Clock time: 12:01:01, 12:01:01.123 (before IPv6, whose groups look alike).
  { name: 'time', pattern: /\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g },
  // IPv6 in full or compressed form, optionally in brackets with a port: fe80::1, [::1]:8080.
  { name: 'ipv6', pattern: /\[?(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])\]?(?::\d{1,5}\b)?|\[?(?<![\w:])(?:[0-9a-fA-F]{1,4}:){0,6}(?:[0-9a-fA-F]{1,4})?::(?:[0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{0,4}(?![\w:])\]?(?::\d{1,5}\b)?/g },
  // IPv4 with an optional port, and the `host/` or `/` Java prints before it: 10.0.0.1, 10.0.0.1:8080,
  // /10.0.0.1:8080, db-1/10.0.0.1:8080.
  { name: 'ipv4', pattern: /(?<![\w./-])(?:(?:[A-Za-z0-9][A-Za-z0-9.-]*)?\/)?\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?!\w|\.\w)/g },
  // Unix paths of two or more segments, or one that starts at the root: /var/log/x.log, /tmp.
  { name: 'path', pattern: /(?<![\w/.:<>*-])(?:\/[\w.@%+~-]+){2,}\/?|(?<=^|[\s=("'])\/[\w.@%+~-]+\/?(?=$|[\s,;)"'])/g },
  // Windows paths: C:\Windows\System32\x.dll.
  { name: 'winpath', pattern: /\b[A-Za-z]:\\[^\s"'<>|]*/g },
  // HDFS block ids (blk_-695…): named so that configurations can keep or drop them explicitly.
  { name: 'block-id', pattern: /\bblk_-?\d+\b/g },
  { name: 'hex', pattern: /\b0[xX][0-9a-fA-F]+\b/g },
  // Durations with a unit glued to the number: 12ms, 1.5s, 3h.
  { name: 'duration', pattern: /(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|secs|m|min|mins|h|hrs?|d)\b/g },
  // host:port with a dotted host name: db.example.com:5432 (no `_`, which host names cannot hold, so that
  // a source location such as sweep_sm.c:120 keeps its file name).
  { name: 'host-port', pattern: /(?<![\w.-])[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)+:\d{1,5}\b/g },
  // Approximate durations ("<1 sec", ">5 min"): the bound is a variable as much as the number.
  { name: 'approx-duration', pattern: /(?<![\w<>])[<>]=?\d+(?:\.\d+)? ?(?:ms|s|sec|secs|seconds?|min|mins|minutes?|h|hours?)\b/g },
  // Humanised sizes, whose unit changes with the magnitude (16.0 B, 16.0 KB): number and unit are one variable.
  { name: 'size', pattern: /(?<![\w.])\d+(?:\.\d+)? ?(?:[KMGTP]i?B|B)\b/g },
  // Any identifier-like word that holds a digit, from its first segment with a digit, with its internal
  // separators: 12, -3.5, job_1445_0020, v6.1.7601, R02-M1-N0-C:J12-U11, 3f2a9c; a leading word before
  // `.` or `:` stays (core.<*>, memory:<*>), a dashed host name goes whole (node-246, msra-sa-41).
  // Letters with one final digit (SOCKS5, HTTP2, eth0) are left alone: more often a constant than a
  // value, and if they do vary the miner still turns them into <*>.
  { name: 'numeric-word', pattern: new RegExp(`(?<![${W}])(?![A-Za-z]{2,}\\d(?![${W}.:-]))[-+]?[${W}]*\\d[${W}]*(?:[.:-]+[${W}]+)*|(?<![${W}.:-])[A-Za-z_]+(?:-[A-Za-z_]+)*-[${W}]*\\d[${W}]*(?:[.:-]+[${W}]+)*`, 'g') },
];

export interface Masker {
  /** The message with each variable replaced by `<*>`. */
  mask(text: string): string;
  readonly rules: readonly MaskRule[];
}

/** A masker with `rules` (default: all of DEFAULT_MASK_RULES), minus those named in `disable`. */
export function createMasker(options: { rules?: readonly MaskRule[]; disable?: readonly string[] } = {}): Masker {
  const off = new Set(options.disable ?? []);
  const rules = (options.rules ?? DEFAULT_MASK_RULES).filter((r) => !off.has(r.name));
  for (const r of rules) if (!r.pattern.global || r.pattern.flags !== 'g') throw new Error(`mask rule "${r.name}" needs exactly the g flag (every match masked; other flags cannot be combined into one pass)`);
  if (rules.length === 0) return { rules, mask: (text) => text };
  // One alternation of all rules, applied in a single pass: at each position the first rule (in list
  // order) that matches wins. Faster than one replace per rule, which rescans the line each time.
  const source = rules.map((r) => `(?:${r.pattern.source})`).join('|');
  if (!rules.every((r) => DEFAULT_RULE_SET.has(r))) {
    const combined = new RegExp(source, 'g');
    return { rules, mask: (text) => text.replace(combined, WILDCARD) };
  }
  // Every default rule's match starts inside a space-free word that holds a trigger character (see
  // isTrigger), so the alternation is tried only at positions inside such words: most words of a log
  // message are plain text and are skipped at the cost of a character scan (≈3× faster than replace).
  const sticky = new RegExp(source, 'y');
  return { rules, mask: (text) => maskTriggered(text, sticky) };
}

const DEFAULT_RULE_SET = new Set<MaskRule>(DEFAULT_MASK_RULES);

/** Digits, and the characters that URLs, paths, e-mails, IPv6, times and "<1 sec" need: slash, backslash, @, :, <, >. */
function isTrigger(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 47 || c === 92 || c === 64 || c === 58 || c === 60 || c === 62;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function maskTriggered(text: string, sticky: RegExp): string {
  const n = text.length;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) === 32) {
      i++;
      continue;
    }
    let end = i;
    let triggered = false;
    while (end < n && text.charCodeAt(end) !== 32) {
      if (!triggered && isTrigger(text.charCodeAt(end))) triggered = true;
      end++;
    }
    if (!triggered) {
      i = end;
      continue;
    }
    let p = i;
    while (p < end) {
      sticky.lastIndex = p;
      if (sticky.test(text) && sticky.lastIndex > p) {
        out += text.slice(copied, p) + WILDCARD;
        copied = p = sticky.lastIndex;
      } else {
        // Every default rule starts after a non-word character (its \b or look-behind says so), so
        // positions inside a run of word characters cannot start a match.
        p++;
        while (p < end && isWordChar(text.charCodeAt(p - 1))) p++;
      }
    }
    // A match may run past the word (a date followed by its time): resume after it.
    i = Math.max(end, p);
  }
  return copied === 0 ? text : out + text.slice(copied);
}
