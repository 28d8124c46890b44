/**
 * Alerts as the UI reads them. Pure: merging what the console sent, and the figures the views show
 * (per-host badges, the global count, a host's list). Tested in alert-actions.test.ts.
 */
import type { Alert, AlertSeverity } from '@cerebro/shared/api/contract';

/** Most alerts kept; beyond it the oldest resolved ones are forgotten (they are still in the console). */
export const MAX_KNOWN_ALERTS = 5_000;
/** Closed alerts a host view lists under the open ones. */
export const RECENT_CLOSED = 20;

/**
 * Merge a queried copy into the one already known. A query may answer after a live change that is newer
 * than its snapshot, and an alert only moves forward (open → resolved, peak up, acked), so the merge
 * keeps the furthest state of each field. The noise mark can be taken back, so it comes from the copy
 * whose mark changed last (`noiseMs`). Live changes, which arrive in order, replace instead.
 */
export function mergeQueried(known: Alert | undefined, got: Alert): Alert {
  if (!known) return got;
  const resolved = known.state === 'resolved' ? known : got.state === 'resolved' ? got : null;
  const acked = (known.ackMs ?? -1) >= (got.ackMs ?? -1) ? known : got;
  const peakScore = Math.max(known.peakScore, got.peakScore);
  const snoozedUntilMs = Math.max(known.snoozedUntilMs ?? 0, got.snoozedUntilMs ?? 0);
  // Equal times (both absent: marked before noiseMs existed, never taken back): the mark only moves forward.
  const kn = known.noiseMs ?? -1;
  const gn = got.noiseMs ?? -1;
  const noise = kn === gn ? known.noise || got.noise : kn > gn ? known.noise : got.noise;
  const noiseMs = Math.max(kn, gn);
  return {
    ...got,
    state: resolved ? 'resolved' : 'open',
    endMs: resolved?.endMs,
    peakScore,
    severity: known.severity === 'critical' || got.severity === 'critical' ? 'critical' : 'warning',
    ackBy: acked.ackBy,
    ackMs: acked.ackMs,
    snoozedUntilMs: snoozedUntilMs > 0 ? snoozedUntilMs : undefined,
    noise,
    noiseMs: noiseMs >= 0 ? noiseMs : undefined,
  };
}

/** Drops the oldest resolved alerts beyond `max` (open ones are always kept). */
export function pruneAlerts(byId: Record<string, Alert>, max = MAX_KNOWN_ALERTS): Record<string, Alert> {
  const all = Object.values(byId);
  if (all.length <= max) return byId;
  const closed = all.filter((a) => a.state === 'resolved').sort((a, b) => (a.endMs ?? a.startMs) - (b.endMs ?? b.startMs));
  const out = { ...byId };
  for (let i = 0; i < all.length - max && i < closed.length; i++) delete out[(closed[i] as Alert).id];
  return out;
}

/** An alert that asks for attention now: open, not snoozed, not marked as noise. */
export function isActive(a: Alert, nowMs: number): boolean {
  return a.state === 'open' && !a.noise && (a.snoozedUntilMs ?? 0) <= nowMs;
}

export interface AlertTally {
  readonly count: number;
  /** Worst severity among them; null when there are none. */
  readonly worst: AlertSeverity | null;
}

const NONE: AlertTally = { count: 0, worst: null };

function add(t: AlertTally, a: Alert): AlertTally {
  return { count: t.count + 1, worst: t.worst === 'critical' || a.severity === 'critical' ? 'critical' : 'warning' };
}

/** Active alerts per host id (hosts without any are absent). */
export function tallyByHost(byId: Readonly<Record<string, Alert>>, nowMs: number): Record<string, AlertTally> {
  const out: Record<string, AlertTally> = {};
  for (const a of Object.values(byId)) if (isActive(a, nowMs)) out[a.hostId] = add(out[a.hostId] ?? NONE, a);
  return out;
}

/** Whether two tallies say the same (so a view can keep the old object and skip re-sorting 1,000 hosts). */
export function sameTallies(a: Readonly<Record<string, AlertTally>>, b: Readonly<Record<string, AlertTally>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k]?.count === b[k]?.count && a[k]?.worst === b[k]?.worst);
}

/** Active alerts over the fleet. */
export function tallyAll(byId: Readonly<Record<string, Alert>>, nowMs: number): AlertTally {
  let t = NONE;
  for (const a of Object.values(byId)) if (isActive(a, nowMs)) t = add(t, a);
  return t;
}

/** Sort rank of a host's tally: critical before warning, then by count (higher = worse). */
export function tallyRank(t: AlertTally | undefined): number {
  if (!t || t.count === 0) return 0;
  return (t.worst === 'critical' ? 1_000_000 : 0) + t.count;
}

/** A host's alerts for its panel: open ones first (newest first), then the latest closed ones. */
export function hostAlertList(byId: Readonly<Record<string, Alert>>, hostId: string, closedLimit = RECENT_CLOSED): Alert[] {
  const mine = Object.values(byId).filter((a) => a.hostId === hostId);
  const open = mine.filter((a) => a.state === 'open').sort((a, b) => b.startMs - a.startMs);
  const closed = mine
    .filter((a) => a.state === 'resolved')
    .sort((a, b) => (b.endMs ?? b.startMs) - (a.endMs ?? a.startMs))
    .slice(0, closedLimit);
  return [...open, ...closed];
}
