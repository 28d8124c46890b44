/** The ranked causes: best first, each with its score (share of the ranking) and the sentence that explains it. */
import type { IncidentCause, RunbookProposal } from '@cerebro/shared/api/contract';
import { remediateHash, routeHash, terminalHash } from '../../lib/route';
import { causeLabel } from '../../state/incidents';

/**
 * `proposals`: runbooks per cause rank; a cause that has some gets a "Fix…" link opening the remediation
 * drawer. Every cause links to a terminal on its host.
 */
export function CauseList({ causes, rankedMs, incidentId, proposals = [] }: { causes: readonly IncidentCause[]; rankedMs: number; incidentId?: string; proposals?: readonly RunbookProposal[] }) {
  if (causes.length === 0) {
    return (
      <p className="muted pad" data-testid="causes-none">
        {rankedMs === 0 ? 'Causes are being ranked: the first ranking follows within seconds of the incident opening.' : 'No candidate cause stood out in the evidence.'}
      </p>
    );
  }
  return (
    <ol className="cause-list" data-testid="cause-list">
      {causes.map((c, i) => (
        <li key={`${i}:${c.kind}:${c.name}:${c.pid ?? c.node}`} className={`cause${i === 0 ? ' top' : ''}`} data-testid="cause" data-rank={i + 1} data-kind={c.kind} data-name={c.name} data-node={c.node}>
          <div className="cause-head">
            <span className="cause-rank">{i + 1}</span>
            <span className="cause-kind mark">{c.kind}</span>
            <a className="cause-name" href={routeHash({ name: 'host', hostId: c.hostId })} title="Open the host">
              {causeLabel(c)}
            </a>
            <span className="cause-score" title="Relative score: share of the ranking, comparable within this incident only">
              <span className="cause-score-bar" aria-hidden="true">
                <span style={{ width: `${Math.round(Math.max(0, Math.min(1, c.score)) * 100)}%` }} />
              </span>
              {c.score.toFixed(2)}
            </span>
            <CauseFix incidentId={incidentId} proposal={proposals.find((p) => p.causeRank === i + 1)} count={proposals.filter((p) => p.causeRank === i + 1).length} />
            <a className="action cause-terminal" href={terminalHash(c.hostId)} data-testid="cause-terminal" title={`Open a shell on ${c.host} (a signed grant; the session is recorded)`}>
              Terminal
            </a>
          </div>
          <p className="cause-explanation" data-testid="cause-explanation">
            {c.explanation}
          </p>
        </li>
      ))}
    </ol>
  );
}

/** The proposal's params as link text: the drawer shows what the cause gave even if the causes are re-ranked meanwhile. */
function linkParams(params: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
}

/** The best proposal of a cause (complete ones first): the drawer lists the others. */
function CauseFix({ incidentId, proposal, count }: { incidentId: string | undefined; proposal: RunbookProposal | undefined; count: number }) {
  if (!incidentId || !proposal) return null;
  return (
    <a className="action cause-fix" href={remediateHash(incidentId, { runbookId: proposal.runbookId, hostId: proposal.hostId, cause: proposal.causeRank, params: linkParams(proposal.params) })} data-testid="cause-fix" data-runbook={proposal.runbookId} title={`${proposal.reason}${count > 1 ? ` (${count} runbooks fit)` : ''}`}>
      Fix…
    </a>
  );
}
