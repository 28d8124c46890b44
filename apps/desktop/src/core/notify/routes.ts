/** GET /notifications?limit=N and POST /notifications/test (contract: shared/src/api/notifications.ts). */
import type { RouteResponses } from '@cerebro/shared/api/contract';
import { NotifyError, type Notifier } from './notifier';

/** The answer of a notifications route, or null when `parts` is not one; body null for GET. */
export function notificationsRoute(n: Notifier, parts: readonly string[], params: URLSearchParams, body: Record<string, unknown> | null): unknown {
  if (parts[0] !== 'notifications') return null;
  if (body === null && parts.length === 1) {
    const raw = params.get('limit') ?? '100';
    const limit = Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new NotifyError('BAD_REQUEST', `parameter "limit" must be an integer from 1 to 1000, got "${raw}"`);
    return n.view(limit) satisfies RouteResponses['notifications'];
  }
  if (body !== null && parts.length === 2 && parts[1] === 'test') return n.test(body['channel']) satisfies Promise<RouteResponses['notificationTest']>;
  return null;
}
