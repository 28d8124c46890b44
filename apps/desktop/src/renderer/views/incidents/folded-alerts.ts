/**
 * What the incident drawer says of the alerts an incident counts but does not list (`Incident.suppressed`).
 * The document holds one count for every reason the correlator folds an alert: an expected effect of the
 * console's own remediation run (which does not raise the severity either), an alert of a host whose
 * `host.lost` alert the incident lists, or one past the incident's listing limit. It does not say which
 * reason each had, so the line names those that can apply (a lost host only when a host alert is listed)
 * rather than claim one.
 */
import type { Incident } from '@cerebro/shared/api/contract';

export function foldedAlertsText(i: Pick<Incident, 'alerts' | 'suppressed'>): string | null {
  const n = i.suppressed.count;
  if (n <= 0) return null;
  const reasons = ["effects of the console's own remediation runs (the exit of a process a run stopped, its supervisor's lines about it, a cleaned filesystem falling)"];
  if (i.alerts.some((r) => r.kind === 'host')) reasons.push('alerts of a lost host (its host.lost alert stands for them)');
  reasons.push('alerts past the listing limit');
  return `${n} related alert${n === 1 ? '' : 's'} folded in, not listed: ${reasons.slice(0, -1).join(', ')} or ${reasons.at(-1)}`;
}
