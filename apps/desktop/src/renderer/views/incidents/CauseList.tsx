/** The ranked causes: best first, each with its score (share of the ranking) and the sentence that explains it. */
import type { IncidentCause } from '@cerebro/shared/api/contract';
import { routeHash } from '../../lib/route';
import { causeLabel } from '../../state/incidents';

export function CauseList({ causes, rankedMs }: { causes: readonly IncidentCause[]; rankedMs: number }) {
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
          </div>
          <p className="cause-explanation" data-testid="cause-explanation">
            {c.explanation}
          </p>
        </li>
      ))}
    </ol>
  );
}
