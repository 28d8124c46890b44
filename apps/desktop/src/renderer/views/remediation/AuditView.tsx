/** #/audit: the tail of the hash-chained audit log with the whole chain's verification, and the remediation policy. */
import { ErrorState, Loading } from '../../components/States';
import { fmtClock } from '../../lib/format';
import { usePolledRoute } from '../../feeds/use-polled-route';
import { auditSummary, verificationLine } from './history-model';
import { PolicyPanel } from './PolicyPanel';
import './remediation.css';

const REFRESH_MS = 3_000;
const TAIL = 200;
const TAIL_QUERY = { limit: TAIL };

export function AuditView() {
  const { value: data, error } = usePolledRoute('audit', TAIL_QUERY, REFRESH_MS);
  if (data === null) return error ? <ErrorState title="The audit log cannot be loaded" message={error} hint={<p>Check that the console is still running.</p>} /> : <Loading what="the audit log" />;
  const v = verificationLine(data.verification);
  const records = [...data.records].reverse();
  return (
    <section className="view audit-view" data-testid="audit-view">
      <div className="view-head">
        <h1>Audit</h1>
        <p className="muted">Every proposal, dry run, approval, refusal, command, output, verification and rollback, in an append-only hash chain signed by the console key. Newest first; the last {TAIL} records.</p>
      </div>
      {error ? <div className="banner">The log may be out of date: {error}</div> : null}
      <div className={`rem-chain ${v.ok ? 'ok' : 'broken'}`} data-testid="audit-verification" data-ok={v.ok} data-broken-seq={data.verification.brokenSeq ?? ''}>
        {v.ok ? '✓' : '✗'} {v.text}
      </div>
      <PolicyPanel />
      <div className="panel table-scroll">
        {records.length === 0 ? (
          <p className="muted pad" data-testid="audit-none">
            The audit log is empty: nothing was proposed, run or changed yet.
          </p>
        ) : (
          <table className="rem-table" data-testid="audit-table">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Time</th>
                <th>Actor</th>
                <th>Kind</th>
                <th>What</th>
                <th>Hash</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={r.seq} data-testid="audit-row" data-seq={r.seq} data-kind={r.kind} className={data.verification.brokenSeq === r.seq ? 'broken' : ''}>
                  <td className="num">{r.seq}</td>
                  <td>{fmtClock(r.time)}</td>
                  <td>
                    <span className={`mark actor-${r.actor.type}`}>
                      {r.actor.type} {r.actor.name}
                    </span>
                  </td>
                  <td>
                    <code>{r.kind}</code>
                  </td>
                  <td className="rem-summary-cell" title={JSON.stringify(r.payload)}>
                    {auditSummary(r)}
                  </td>
                  <td>
                    <code className="muted" title={`hash ${r.hash}\nprevious ${r.prevHash}`}>
                      {r.hash.slice(0, 12)}…
                    </code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
