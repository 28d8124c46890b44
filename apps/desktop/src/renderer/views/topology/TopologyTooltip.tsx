/** What the pointer is on: the node, its host's health, and its connections in and out. */
import type { SimLink, SimNode } from './layout';

const KIND = { host: 'Host', process: 'Process', external: 'External endpoint' } as const;

export function TopologyTooltip({ node, links, x, y }: { node: SimNode; links: readonly SimLink[]; x: number; y: number }) {
  const n = node.node;
  let out = 0;
  let inbound = 0;
  for (const l of links) {
    if (l.edge.kind !== 'connects') continue;
    if (l.source === node) out += l.edge.count;
    if (l.target === node) inbound += l.edge.count;
  }
  return (
    <div className="topology-tooltip" style={{ transform: `translate(${x + 14}px, ${y + 14}px)` }} role="tooltip">
      <div className="tt-kind">{KIND[n.kind]}</div>
      <div className="tt-title">{n.label}</div>
      {n.pid !== null ? <div className="tt-row"><span>pid</span><span className="num">{n.pid}</span></div> : null}
      {n.kind !== 'host' && n.hostId !== null ? <div className="tt-row"><span>host</span><span className="num">{n.hostId}</span></div> : null}
      {n.status !== null ? <div className="tt-row"><span>status</span><span className={`tt-status ${n.status}`}>{n.status}</span></div> : null}
      {n.ports.length > 0 ? <div className="tt-row"><span>{n.kind === 'external' ? 'reached on' : 'listens on'}</span><span className="num">{n.ports.slice(0, 8).join(', ')}{n.ports.length > 8 ? ' …' : ''}</span></div> : null}
      {n.kind !== 'host' ? <div className="tt-row"><span>connections</span><span className="num">{out} out · {inbound} in</span></div> : null}
      {n.hostId !== null ? <div className="tt-hint">Click to open the host</div> : null}
    </div>
  );
}
