import { memo } from 'react';
import type { AlertSeverity, FleetHost, ResourceForecast } from '@cerebro/shared/api/contract';
import { AlertBadge } from '../../components/AlertBadge';
import { StatusBadge } from '../../components/StatusDot';
import { fmtAgo, fmtPct, fmtRate } from '../../lib/format';
import { Sparkline } from './Sparkline';
import { ForecastBadge } from './ForecastBadge';

/** Above these a figure is shown as a warning. */
const WARN_PCT = 85;

function Figure({ text, warn }: { text: string; warn: boolean }) {
  return <span className={`figure${warn ? ' warn' : ''}`}>{text}</span>;
}

export const FleetRow = memo(function FleetRow({ host, top, nowMs, selected, alertCount, alertWorst, forecastsAtRisk }: { host: FleetHost; top: number; nowMs: number; selected: boolean; alertCount: number; alertWorst: AlertSeverity | null; forecastsAtRisk?: readonly ResourceForecast[] | undefined }) {
  const h = host.history;
  return (
    <a className={`fleet-row grid-fleet${selected ? ' selected' : ''}`} tabIndex={-1} aria-selected={selected} style={{ transform: `translateY(${top}px)` }} href={`#/host/${encodeURIComponent(host.id)}`} data-testid="fleet-row" data-host-id={host.id} data-status={host.status}>
      <span className="cell-host">
        <span className="hostname">{host.hostname}</span>
        <span className="host-id">{host.id}</span>
      </span>
      <span>
        <StatusBadge status={host.status} />
      </span>
      <span className="cell-alerts">
        <AlertBadge count={alertCount} worst={alertWorst} />
        <ForecastBadge atRisk={forecastsAtRisk} />
      </span>
      <span className="cell-metric">
        <Figure text={fmtPct(host.cpuPct)} warn={(host.cpuPct ?? 0) > WARN_PCT} />
        <Sparkline values={h.cpu} max={100} tone="cpu" />
      </span>
      <span className="cell-metric">
        <Figure text={fmtPct(host.memPct)} warn={(host.memPct ?? 0) > WARN_PCT} />
        <Sparkline values={h.mem} max={100} tone="mem" />
      </span>
      <span className="cell-metric">
        <Figure text={fmtPct(host.diskPct)} warn={(host.diskPct ?? 0) > WARN_PCT} />
        <Sparkline values={h.disk} max={100} tone="disk" />
      </span>
      <span className="cell-metric">
        <Figure text={fmtRate(host.netBps)} warn={false} />
        <Sparkline values={h.net} max={null} tone="net" />
      </span>
      <span className="muted cell-seen">{fmtAgo(host.lastSeenMs, nowMs)}</span>
    </a>
  );
});
