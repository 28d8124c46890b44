/**
 * Secrets are replaced by `<redacted>` on the host, before a record is batched: nothing that leaves the
 * machine carries them. Default patterns cover what logs leak most (password and token assignments,
 * bearer/basic credentials, AWS access keys, private key blocks, JWTs, user:pass@ in URLs); the config
 * adds its own. Each replacement is counted.
 */

export const REDACTED = '<redacted>';

interface Rule {
  readonly name: string;
  readonly re: RegExp;
  /** Replacement for one match (keeps the key, drops the secret). */
  readonly replace: (match: string, ...groups: string[]) => string;
}

const keep1 = (_m: string, prefix: string): string => prefix + REDACTED;

/** The default rules, in order: block-level secrets first, so that their content is not half-matched by later rules. */
export const DEFAULT_RULES: readonly Rule[] = [
  { name: 'private key block', re: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|$)/g, replace: (_m, kind: string) => `-----BEGIN ${kind}PRIVATE KEY-----${REDACTED}` },
  { name: 'JWT', re: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, replace: () => REDACTED },
  { name: 'URL credentials', re: /\b([a-z][a-z0-9+.-]{1,20}:\/\/[^\s/:@]+:)[^\s/@]+(?=@)/gi, replace: keep1 },
  { name: 'authorization header', re: /(\bAuthorization["']?\s*[:=]\s*["']?(?:Basic|Bearer|Digest|Token|Negotiate|AWS4-HMAC-SHA256)\s+)[^\s"',;]+/gi, replace: keep1 },
  { name: 'bearer token', re: /\b(Bearer\s+)(?!<redacted>)[A-Za-z0-9._~+/-]{8,}=*/g, replace: keep1 },
  // Base64 credentials hold a digit, + / or =: "Basic authentication failed" is left alone.
  { name: 'basic credentials', re: /\b(Basic\s+)(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}/g, replace: keep1 },
  { name: 'AWS access key', re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g, replace: () => REDACTED },
  {
    name: 'password',
    re: /((?:\b|_)(?:password|passwd|passphrase|pwd|pass)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s"',;&<]+)/gi,
    replace: (_m, prefix: string, value: string) => prefix + quoteLike(value),
  },
  {
    name: 'token / key / secret',
    re: /((?:\b|_)(?:api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|secret[_-]?access[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|id[_-]?token|session[_-]?token|client[_-]?secret|private[_-]?key|token|secret)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s"',;&<]+)/gi,
    replace: (_m, prefix: string, value: string) => prefix + quoteLike(value),
  },
];

/** A quoted secret stays quoted, so JSON lines remain JSON. */
function quoteLike(value: string): string {
  const q = value[0];
  return (q === '"' || q === "'") && value.length >= 2 ? `${q}${REDACTED}${q}` : REDACTED;
}

/**
 * Compile a pattern from the config: a JavaScript regular expression whose whole match is replaced
 * (use a lookbehind such as `(?<=session=)\w+` to keep a prefix); a leading `(?i)` makes it
 * case-insensitive. Throws an Error saying what is wrong.
 */
export function compileCustomRule(pattern: string): Rule {
  let source = pattern;
  let flags = 'g';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags += 'i';
  }
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (e) {
    throw new Error(`${JSON.stringify(pattern)} is not a valid regular expression (${(e as Error).message})`);
  }
  if (new RegExp(source, flags.replace('g', '')).test('')) throw new Error(`${JSON.stringify(pattern)} matches the empty string, so it would redact nothing useful; make it match the secret itself`);
  return { name: `custom ${pattern}`, re, replace: () => REDACTED };
}

export class Redactor {
  private readonly rules: readonly Rule[];
  /** Secrets replaced since start. */
  count = 0;

  constructor(options: { readonly defaults: boolean; readonly extra: readonly string[] }) {
    this.rules = [...(options.defaults ? DEFAULT_RULES : []), ...options.extra.map(compileCustomRule)];
  }

  get enabled(): boolean {
    return this.rules.length > 0;
  }

  redact(text: string): string {
    let out = text;
    for (const rule of this.rules) {
      rule.re.lastIndex = 0;
      if (!rule.re.test(out)) continue;
      rule.re.lastIndex = 0;
      out = out.replace(rule.re, (...args: unknown[]) => {
        this.count++;
        const groups = args.slice(1).filter((a): a is string => typeof a === 'string' || a === undefined).map((a) => a ?? '');
        return rule.replace(args[0] as string, ...groups);
      });
    }
    return out;
  }
}
