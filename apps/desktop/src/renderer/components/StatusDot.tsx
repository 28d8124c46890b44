import type { HostStatus } from '@cerebro/shared/api/contract';

export function StatusBadge({ status }: { status: HostStatus }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      <span className="dot" aria-hidden="true" />
      {status}
    </span>
  );
}
