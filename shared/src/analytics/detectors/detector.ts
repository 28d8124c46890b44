/**
 * The contract every streaming anomaly detector keeps: one instance per series, fed in time order,
 * constant memory, state that round-trips through JSON so a console restart does not restart warm-up.
 */
import type { Result } from '../../result';

export interface StreamingDetector {
  /** Feeds one sample (ms since the epoch, UTC) and returns how anomalous it is, in [0, 1]. Causal: the score uses only this and earlier samples. */
  update(timestampMs: number, value: number): number;
  /** A plain JSON value (numbers, strings, arrays) holding the whole state, tagged with the detector's kind. */
  toJSON(): DetectorState;
}

export interface DetectorState {
  readonly kind: string;
  /** Bumped when the state layout changes; an old state is then refused, and the series warms up again. */
  readonly version: number;
}

/** How to make a detector of one kind, fresh or from a saved state. */
export interface DetectorKind {
  readonly kind: string;
  /** Samples a fresh instance needs before its scores mean anything (it scores low until then). */
  readonly warmupSamples: number;
  create(): StreamingDetector;
  /** Rebuilds an instance from `toJSON()` output (validated: it may come from disk). */
  fromJSON(state: unknown): Result<StreamingDetector, string>;
}

/** Reads a finite number field from an untrusted state object. */
export function numberField(state: Record<string, unknown>, key: string): number | undefined {
  const v = state[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Checks kind and version of an untrusted state; returns it as a record or a reason. */
export function stateRecord(state: unknown, kind: string, version: number): Result<Record<string, unknown>, string> {
  if (typeof state !== 'object' || state === null) return { ok: false, error: `${kind}: state is not an object` };
  const s = state as Record<string, unknown>;
  if (s['kind'] !== kind) return { ok: false, error: `${kind}: state is of kind ${JSON.stringify(s['kind'])}` };
  if (s['version'] !== version) return { ok: false, error: `${kind}: state version ${JSON.stringify(s['version'])}, expected ${version}` };
  return { ok: true, value: s };
}
