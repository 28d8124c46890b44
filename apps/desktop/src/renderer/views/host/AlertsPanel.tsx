/** The host's alerts: open ones first, then recent closed ones; the picked one in full; series still learning. */
import { useMemo } from 'react';
import type { Alert } from '@cerebro/shared/api/contract';
import { SeverityLabel } from '../../components/AlertBadge';
import { useHostAlertsFeed } from '../../feeds/use-host-alerts-feed';
import { fmtClock } from '../../lib/format';
import { alertSelected } from '../../state/alert-actions';
import { hostAlertList } from '../../state/alerts';
import { dispatch, useApp } from '../../state/store';
import type { HostLearning } from '../../state/types';
import { AlertDetail, AlertMarks } from './AlertDetail';
import { fmtDuration, fmtScore } from './alert-format';

/** Learning series listed by name at most; the rest are counted. */
const LEARNING_SHOWN = 6;

export function AlertsPanel({ hostId, nowMs }: { hostId: string; nowMs: number }) {
  useHostAlertsFeed(hostId);
  const { byId, selectedId, learning } = useApp((s) => ({ byId: s.alerts.byId, selectedId: s.alerts.selectedId, learning: s.alerts.learning[hostId] }));
  const list = useMemo(() => hostAlertList(byId, hostId), [byId, hostId]);
  // The picked alert, else the newest open one, else the latest closed one.
  const selected = list.find((a) => a.id === selectedId) ?? list[0];
  const open = list.filter((a) => a.state === 'open').length;
  return (
    <section className="panel alerts-panel" data-testid="alerts-panel">
      <div className="panel-head">
        <h2>Alerts</h2>
        <span className="muted">{list.length === 0 ? '' : `${open} open · ${list.length - open} recently closed`}</span>
      </div>
      <LearningNote learning={learning} />
      <TiersNote learning={learning} />
      {list.length === 0 ? (
        <p className="muted pad" data-testid="alerts-none">
          No alerts on this host. Every series is scored as it arrives; an alert opens when one deviates from its baseline for a few samples.
        </p>
      ) : (
        <div className="alerts-body">
          <ul className="alert-list" aria-label="Alerts of this host">
            {list.map((a) => (
              <AlertRow key={a.id} alert={a} nowMs={nowMs} selected={a.id === selected?.id} />
            ))}
          </ul>
          {selected ? <AlertDetail alert={selected} nowMs={nowMs} /> : null}
        </div>
      )}
    </section>
  );
}

function AlertRow({ alert, nowMs, selected }: { alert: Alert; nowMs: number; selected: boolean }) {
  const open = alert.state === 'open';
  return (
    <li>
      <button
        type="button"
        className={`alert-row${selected ? ' selected' : ''}${open ? '' : ' closed'}`}
        onClick={() => dispatch(alertSelected, alert.id)}
        aria-pressed={selected}
        data-testid="alert-row"
        data-alert-id={alert.id}
        data-state={alert.state}
        data-acked={alert.ackBy !== undefined}
        data-noise={alert.noise}
      >
        <SeverityLabel severity={alert.severity} />
        <span className="alert-series">{alert.seriesKey}</span>
        <span className="muted alert-when">
          {fmtClock(alert.startMs)} {open ? `· open ${fmtDuration(nowMs - alert.startMs)}` : `– ${fmtClock(alert.endMs ?? alert.startMs)}`}
        </span>
        <span className="alert-peak" title="peak anomaly score">
          {fmtScore(alert.peakScore)}
        </span>
        <span className="alert-marks">
          <AlertMarks alert={alert} nowMs={nowMs} />
        </span>
      </button>
    </li>
  );
}

/** Which series the stronger detector watches (alerts/tiers.ts): the host's headline series, ~8 times the cheap one's memory each. */
function TiersNote({ learning }: { learning: HostLearning | undefined }) {
  const strong = learning?.strong ?? [];
  if (!learning || strong.length === 0) return null;
  const shown = [...strong].sort();
  return (
    <div className="tiers pad muted" data-testid="alerts-tiers" data-strong={strong.length}>
      The stronger detector watches {strong.length} of {learning.series} series (the host&apos;s headline series), the cheap one the rest: {shown.slice(0, LEARNING_SHOWN).join(', ')}
      {shown.length > LEARNING_SHOWN ? ` and ${shown.length - LEARNING_SHOWN} more` : ''}
    </div>
  );
}

/** Series still in warm-up never alert: say which, and how many samples they still need. */
function LearningNote({ learning }: { learning: HostLearning | undefined }) {
  const entries = learning ? Object.entries(learning.left).sort((a, b) => b[1] - a[1]) : [];
  if (!learning || entries.length === 0) return null;
  const most = entries[0]?.[1] ?? 0;
  return (
    <div className="learning pad" data-testid="alerts-learning" data-learning={entries.length}>
      <span className="mark mark-learning">learning</span> {entries.length} of {learning.series} series are still learning their baseline and cannot alert yet (up to {most} of {learning.warmupSamples} samples left):{' '}
      <span className="muted">
        {entries
          .slice(0, LEARNING_SHOWN)
          .map(([k, n]) => `${k} (${n} left)`)
          .join(', ')}
        {entries.length > LEARNING_SHOWN ? ` and ${entries.length - LEARNING_SHOWN} more` : ''}
      </span>
    </div>
  );
}
