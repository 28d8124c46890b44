/** #/actions: every remediation run, newest first: runbook, host, who (operator or policy), state, when, how long, and why it ended so. */
import { useMemo } from 'react';
import { ErrorState, Loading } from '../../components/States';
import { fmtClock } from '../../lib/format';
import { useApp } from '../../state/store';
import { usePolledRoute } from '../../feeds/use-polled-route';
import { useNow } from '../fleet/FleetTable';
import { outcomeTone } from './drawer-model';
import { actionRows, fmtRunDuration } from './history-model';
import './remediation.css';

/** How often the list is read again, ms. */
const REFRESH_MS = 2_000;
const LIST_QUERY = { limit: 500 };

export function ActionsView() {
  const hosts = useApp((s) => s.hosts);
  const nowMs = useNow(1_000);
  const { value: view, error } = usePolledRoute('actions', LIST_QUERY, REFRESH_MS);
  const runs = view?.runs ?? null;
  const rows = useMemo(() => actionRows(runs ?? [], (id) => hosts[id]?.hostname ?? id, nowMs), [runs, hosts, nowMs]);
  if (runs === null) return error ? <ErrorState title="The actions cannot be loaded" message={error} hint={<p>Check that the console is still running.</p>} /> : <Loading what="actions" />;
  return (
    <section className="view actions-view" data-testid="actions-view">
      <div className="view-head">
        <h1>Actions</h1>
        <p className="muted">Runbook runs, by operators and by the policy, newest first. Open an incident and pick “Fix…” on a cause to start one.</p>
      </div>
      {error ? <div className="banner">The list may be out of date: {error}</div> : null}
      {rows.length === 0 ? (
        <p className="state muted" data-testid="actions-none">
          No runbook has run yet.
        </p>
      ) : (
        <div className="panel table-scroll">
          <table className="rem-table" data-testid="actions-table">
            <thead>
              <tr>
                <th>Runbook</th>
                <th>Host</th>
                <th>Actor</th>
                <th>State</th>
                <th>Started</th>
                <th className="num">Duration</th>
                <th>Summary</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid="action-row" data-run-id={r.id} data-state={r.state} data-actor={r.actorType}>
                  <td>
                    <code>{r.runbookId}</code>
                    {r.incidentId ? (
                      <a className="rem-incident-link" href={`#/incidents/${encodeURIComponent(r.incidentId)}`} title="The incident it answered">
                        incident
                      </a>
                    ) : null}
                  </td>
                  <td>
                    <a href={`#/host/${encodeURIComponent(r.hostId)}`}>{r.hostname}</a>
                  </td>
                  <td>
                    <span className={`mark actor-${r.actorType}`}>{r.actor}</span>
                  </td>
                  <td>
                    <span className={`rem-state tone-${outcomeTone(r.state)}`}>{r.state}</span>
                  </td>
                  <td>{fmtClock(r.startedMs)}</td>
                  <td className="num">{fmtRunDuration(r.durationMs)}</td>
                  <td className="rem-summary-cell" title={r.summary}>
                    {r.summary}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
