/** Notification records as table rows (pure, tested): what happened, where, and what the operator can do about it. */
import type { NotificationRecord } from '@cerebro/shared/api/contract';

export interface NotificationRow {
  readonly id: string;
  readonly atMs: number;
  readonly incidentId: string;
  readonly title: string;
  readonly event: string;
  readonly severity: string;
  readonly channel: string;
  /** sent | failed | gave-up | suppressed */
  readonly status: NotificationRecord['status'];
  /** The outcome in words: "sent (attempt 2)", "failed: ECONNREFUSED; retry in 30 s", … */
  readonly outcome: string;
}

function seconds(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}

export function notificationRow(r: NotificationRecord): NotificationRow {
  const attempt = r.attempt > 1 ? ` (attempt ${r.attempt})` : '';
  const outcome =
    r.status === 'sent'
      ? `sent${attempt}`
      : r.status === 'suppressed'
        ? `suppressed by ${r.suppressedBy?.kind ?? 'a rule'} ${r.suppressedBy?.id ?? ''}`.trim()
        : r.status === 'gave-up'
          ? `gave up after attempt ${r.attempt}: ${r.error ?? 'no reason given'}`
          : `failed${attempt}: ${r.error ?? 'no reason given'}${r.retryInMs !== undefined ? `; retry in ${seconds(r.retryInMs)}` : '; no retry'}`;
  return {
    id: r.id,
    atMs: r.atMs,
    incidentId: r.incidentId,
    title: r.event === 'test' ? 'Test message' : r.title,
    event: r.event,
    severity: r.severity,
    channel: `${r.channelId} (${r.channelType})`,
    status: r.status,
    outcome,
  };
}

/** Rows of one incident (`incidentId`), or all; newest first as the API gives them. */
export function notificationRows(records: readonly NotificationRecord[], incidentId: string | null): NotificationRow[] {
  return records.filter((r) => incidentId === null || r.incidentId === incidentId).map(notificationRow);
}
