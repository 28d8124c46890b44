/**
 * Incident notifications in the console's local API (re-exported by contract.ts): every delivery attempt
 * to a channel (webhook, SMTP, syslog) and its outcome, newest first. Configured in
 * `$CEREBRO_HOME/notifications.json` (apps/desktop/src/core/notify/config.ts).
 */
import type { AlertSeverity } from './contract';

/** What happened to an incident that notifies: opened, its severity rose, it resolved; `test` from the API. */
export type NotificationEvent = 'opened' | 'escalated' | 'resolved' | 'test';

export type NotificationChannelType = 'webhook' | 'smtp' | 'syslog';

/**
 * sent: the channel accepted it. failed: this attempt failed (`error`); another follows after `retryInMs` (absent: none, as for a test).
 * gave-up: the last allowed attempt failed. suppressed: a silence or maintenance window matched (`suppressedBy`).
 */
export type NotificationStatus = 'sent' | 'failed' | 'gave-up' | 'suppressed';

export interface NotificationRecord {
  /** Unique, opaque; one per attempt (or per suppression). */
  readonly id: string;
  /** When the outcome was known, ms since the epoch. */
  readonly atMs: number;
  /** Empty for a test message. */
  readonly incidentId: string;
  readonly event: NotificationEvent;
  readonly severity: AlertSeverity;
  readonly title: string;
  readonly channelId: string;
  readonly channelType: NotificationChannelType;
  readonly status: NotificationStatus;
  /** 1-based attempt number; 0 for a suppression. */
  readonly attempt: number;
  /** Why the attempt failed. */
  readonly error?: string;
  /** Ms until the next attempt (status failed). */
  readonly retryInMs?: number;
  /** The silence or maintenance window (its id in notifications.json) that suppressed it. */
  readonly suppressedBy?: { readonly kind: 'silence' | 'maintenance'; readonly id: string };
}

/** GET /notifications?limit=N (default 100, at most 1000): newest first. */
export interface NotificationsView {
  /** Whether $CEREBRO_HOME/notifications.json was loaded (absent: no notifications). */
  readonly configured: boolean;
  readonly channels: ReadonlyArray<{ readonly id: string; readonly type: NotificationChannelType }>;
  /** Deliveries waiting or retrying. */
  readonly pending: number;
  readonly records: readonly NotificationRecord[];
}

/** POST /notifications/test: one message through channel `channel`, one attempt, no retry. */
export interface NotificationTestRequest {
  readonly channel: string;
}
