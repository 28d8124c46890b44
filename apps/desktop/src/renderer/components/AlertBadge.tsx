/** A count of active alerts, coloured by the worst severity among them; nothing when there are none. */
import type { AlertSeverity } from '@cerebro/shared/api/contract';

export function AlertBadge({ count, worst, title }: { count: number; worst: AlertSeverity | null; title?: string }) {
  if (count === 0 || worst === null) return <span className="alert-none muted" aria-label="no open alerts">—</span>;
  return (
    <span className={`alert-badge sev-${worst}`} data-testid="alert-badge" data-count={count} data-severity={worst} title={title ?? `${count} open alert${count === 1 ? '' : 's'}, worst: ${worst}`}>
      <span className="sev-mark" aria-hidden="true">▲</span>
      {count}
    </span>
  );
}

/** Severity as a small label (host view, palette). */
export function SeverityLabel({ severity }: { severity: AlertSeverity }) {
  return (
    <span className={`sev-label sev-${severity}`} data-severity={severity}>
      {severity}
    </span>
  );
}
