/** One sentence per ranked cause, built only from its evidence. */
import type { Evidence } from './types';

export interface ExplainFacts {
  readonly label: string;
  readonly evidence: readonly Evidence[];
  readonly onsetAt: number | null;
  /** Earliest onset among all deviating entities. */
  readonly firstOnsetAt: number | null;
  readonly anomalyAt: number;
  /** Labels of deviating callers this cause explains. */
  readonly explains: readonly string[];
}

/** Three significant digits, no exponent for everyday magnitudes. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function describeEvidence(e: Evidence): string {
  const moved = e.peak >= e.baseline ? 'rose' : 'fell';
  const what = e.peer !== undefined ? `${e.metric} of calls from ${e.peer}` : e.metric;
  return `${what} ${moved} to ${fmt(e.peak)} from a baseline of ${fmt(e.baseline)} (${fmt(Math.abs(e.peakZ))} robust σ)`;
}

function describeTiming(f: ExplainFacts): string {
  if (f.onsetAt === null) return 'without crossing the onset threshold';
  const sinceStart = `${seconds(f.onsetAt - f.anomalyAt)} after the anomaly began`;
  if (f.firstOnsetAt === null || f.onsetAt <= f.firstOnsetAt) return `starting ${sinceStart}, first of all deviating entities`;
  return `starting ${sinceStart}, ${seconds(f.onsetAt - f.firstOnsetAt)} after the first deviating entity`;
}

function describeCallers(explains: readonly string[]): string {
  if (explains.length === 0) return 'no deviating caller depends on it';
  const shown = explains.slice(0, 4).join(', ');
  return `it explains the deviation of ${explains.length === 1 ? 'its caller' : 'its callers'} ${shown}${explains.length > 4 ? ` and ${explains.length - 4} more` : ''}`;
}

export function explainCause(f: ExplainFacts): string {
  const top = f.evidence[0];
  if (top === undefined) return `${f.label}: no metric deviated from its baseline.`;
  return `${f.label}: ${describeEvidence(top)}, ${describeTiming(f)}; ${describeCallers(f.explains)}.`;
}
