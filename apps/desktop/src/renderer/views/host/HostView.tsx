/** One host: live charts over a chosen range, its processes and its inventory. */
import { ErrorState, Loading } from '../../components/States';
import { StatusBadge } from '../../components/StatusDot';
import { useHostFeed } from '../../feeds/use-host-feed';
import { fmtAgo } from '../../lib/format';
import { useApp } from '../../state/store';
import { terminalHash } from '../../lib/route';
import { useNow } from '../fleet/FleetTable';
import { AlertsPanel } from './AlertsPanel';
import { ChartGrid } from './ChartGrid';
import { ForecastsPanel } from './ForecastsPanel';
import { InventoryPanel } from './InventoryPanel';
import { ProcessTable } from './ProcessTable';
import { RangePicker } from './RangePicker';

export function HostView({ hostId }: { hostId: string }) {
  const { host, hostsLoad, range, zoom, series } = useApp((s) => ({ host: s.hosts[hostId], hostsLoad: s.hostsLoad, range: s.hostView.range, zoom: s.hostView.zoom, series: s.hostView.series }));
  useHostFeed(hostId, range, zoom);
  const nowMs = useNow(5_000);
  if (!host) {
    if (hostsLoad.status === 'loading') return <Loading what="the host" />;
    return <ErrorState title="No such host" message={`The console knows no host with id ${hostId}.`} hint={<a href="#/fleet">Back to the fleet</a>} />;
  }
  return (
    <section className="view host-view" data-testid="host-view">
      <div className="view-head host-head">
        <div>
          <a href="#/fleet" className="crumb">
            Fleet /
          </a>
          <h1>
            {host.hostname} <StatusBadge status={host.status} />
          </h1>
          <p className="muted">
            {host.id} · last batch {fmtAgo(host.lastSeenMs, nowMs)} · {host.seriesCount} series
            {host.connected ? '' : ' · collector disconnected'}
          </p>
        </div>
        <div className="host-actions">
          <a className="term-btn" href={terminalHash(hostId)} data-testid="open-terminal" title="Open a shell on this host (signed, recorded)">
            Terminal
          </a>
          <RangePicker value={range} zoom={zoom} />
        </div>
      </div>
      {host.sourceErrors.length > 0 ? (
        <div className="banner">
          {host.sourceErrors.slice(-3).map((e) => (
            <div key={`${e.source}${e.atMs}`}>
              Source <b>{e.source}</b> failed: {e.error}
            </div>
          ))}
        </div>
      ) : null}
      <AlertsPanel hostId={hostId} nowMs={nowMs} />
      <ChartGrid />
      <ForecastsPanel hostId={hostId} />
      <div className="host-lower">
        <ProcessTable />
        <InventoryPanel host={host} series={series} nowMs={nowMs} />
      </div>
    </section>
  );
}
