/**
 * asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header line, then one JSON
 * array per event, `[seconds since start, code, data]` with code "o" (output), "i" (input) or "r"
 * (resize, data "COLSxROWS"). The recorder writes it; replay and tests read it back with parseCast.
 */

export interface CastHeader {
  readonly version: 2;
  readonly width: number;
  readonly height: number;
  /** Start, seconds since the epoch. */
  readonly timestamp: number;
  readonly title?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export type CastEvent = readonly [seconds: number, code: 'o' | 'i' | 'r', data: string];

export class CastError extends Error {
  override readonly name = 'CastError';
}

export function castHeaderLine(h: CastHeader): string {
  return JSON.stringify(h) + '\n';
}

export function castEventLine(seconds: number, code: 'o' | 'i' | 'r', data: string): string {
  return JSON.stringify([Math.round(seconds * 1e6) / 1e6, code, data]) + '\n';
}

/** Parse a whole recording; a bad line is a CastError naming it. A last line cut short (a crash) is ignored. */
export function parseCast(text: string): { header: CastHeader; events: CastEvent[] } {
  const lines = text.split('\n');
  let header: CastHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as CastHeader;
  } catch {
    throw new CastError('line 1: not an asciicast header (JSON object)');
  }
  if (header.version !== 2) throw new CastError(`line 1: asciicast version ${String(header.version)}, expected 2`);
  const events: CastEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) break;
      throw new CastError(`line ${i + 1}: not JSON`);
    }
    if (!Array.isArray(e) || typeof e[0] !== 'number' || (e[1] !== 'o' && e[1] !== 'i' && e[1] !== 'r') || typeof e[2] !== 'string') throw new CastError(`line ${i + 1}: not an event [time, "o"|"i"|"r", data]`);
    events.push(e as unknown as CastEvent);
  }
  return { header, events };
}

/** Everything the terminal printed, in order (what a replay feeds into a terminal emulator). */
export function castOutput(text: string): string {
  return parseCast(text)
    .events.filter((e) => e[1] === 'o')
    .map((e) => e[2])
    .join('');
}
