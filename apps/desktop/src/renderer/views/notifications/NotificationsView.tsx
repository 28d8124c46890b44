/**
 * #/notifications (`?incident=ID`: one incident's): every incident notification delivery and its outcome,
 * newest first — sent, failed and retrying, given up, or suppressed by a silence or maintenance window —
 * the channels configured, with a button that sends a test message through each.
 */
import { useMemo, useState } from 'react';
import { ErrorState, Loading } from '../../components/States';
import { fmtClock } from '../../lib/format';
import { routeHash } from '../../lib/route';
import { usePolledRoute } from '../../feeds/use-polled-route';
import { useTransport } from '../../transport/context';
import { notificationRows } from './notification-rows';
import './notifications.css';

/** How often the deliveries are read again, ms (retries happen on their own schedule). */
const REFRESH_MS = 3_000;
const LIST_QUERY = { limit: 500 };

export function NotificationsView({ incidentId = null }: { incidentId?: string | null }) {
  const transport = useTransport();
  const { value: data, error } = usePolledRoute('notifications', LIST_QUERY, REFRESH_MS);
  const [testing, setTesting] = useState<Record<string, string>>({});
  const rows = useMemo(() => notificationRows(data?.records ?? [], incidentId), [data, incidentId]);
  const sendTest = (channel: string): void => {
    setTesting((t) => ({ ...t, [channel]: 'sending…' }));
    transport.post('notificationTest', undefined, { channel }).then(
      (r) => setTesting((t) => ({ ...t, [channel]: r.status === 'sent' ? 'test sent' : `test ${r.status}: ${r.error ?? ''}` })),
      (e: Error) => setTesting((t) => ({ ...t, [channel]: `test failed: ${e.message}` })),
    );
  };
  if (data === null) return error ? <ErrorState title="Notifications cannot be loaded" message={error} hint={<p>Check that the console is still running.</p>} /> : <Loading what="notifications" />;
  return (
    <section className="view notifications-view" data-testid="notifications-view">
      <div className="view-head">
        <h1>Notifications</h1>
        <p className="muted">
          Incidents (not single alerts) notify through the channels in <code>$CEREBRO_HOME/notifications.json</code>, routed by severity; silences and maintenance windows suppress them; each failed delivery is retried.{' '}
          {incidentId !== null ? (
            <>
              Showing incident <a href={routeHash({ name: 'incidents', incidentId })}>{incidentId}</a> only · <a href="#/notifications">all</a>
            </>
          ) : null}
        </p>
      </div>
      {error ? <div className="banner">The list may be out of date: {error}</div> : null}
      {!data.configured ? (
        <p className="state muted" data-testid="notifications-unconfigured">
          No channel is configured: write <code>notifications.json</code> in the console's home (webhook, SMTP or syslog channels, routes by severity, silences, maintenance windows; see <code>cerebro-console notifications --help</code>), then restart the console.
        </p>
      ) : (
        <div className="panel notify-channels" data-testid="notify-channels">
          <h2>Channels</h2>
          <ul>
            {data.channels.map((c) => (
              <li key={c.id}>
                <strong>{c.id}</strong> <span className="muted">{c.type}</span>{' '}
                <button type="button" className="ghost" onClick={() => sendTest(c.id)} data-testid={`notify-test-${c.id}`}>
                  Send a test
                </button>{' '}
                {testing[c.id] ? <span className="muted">{testing[c.id]}</span> : null}
              </li>
            ))}
          </ul>
          <p className="muted">{data.pending} deliver{data.pending === 1 ? 'y' : 'ies'} waiting or retrying.</p>
        </div>
      )}
      {rows.length === 0 ? (
        <p className="state muted" data-testid="notifications-none">
          No delivery yet{incidentId !== null ? ' for this incident' : ''}.
        </p>
      ) : (
        <div className="panel table-scroll">
          <table className="table notify-table" data-testid="notifications-table">
            <thead>
              <tr>
                <th>When</th>
                <th>Incident</th>
                <th>Event</th>
                <th>Channel</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid="notification-row" data-status={r.status}>
                  <td className="mono">{fmtClock(r.atMs)}</td>
                  <td>{r.incidentId ? <a href={routeHash({ name: 'incidents', incidentId: r.incidentId })}>{r.title}</a> : r.title}</td>
                  <td>
                    {r.event} <span className={`notify-sev sev-${r.severity}`}>{r.severity}</span>
                  </td>
                  <td>{r.channel}</td>
                  <td className={`notify-${r.status}`}>{r.outcome}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
