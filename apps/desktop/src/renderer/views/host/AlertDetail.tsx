/** One alert in full: what deviated and how much, the series around it, and the operator's actions. */
import type { Alert } from '@cerebro/shared/api/contract';
import { SeverityLabel } from '../../components/AlertBadge';
import { useAlertActions } from '../../feeds/use-alert-actions';
import { useAlertWindowFeed } from '../../feeds/use-host-alerts-feed';
import { fmtClock } from '../../lib/format';
import { useApp } from '../../state/store';
import { AlertWindowChart } from './AlertWindowChart';
import { alertLinesHash, fmtDuration, fmtScore, fmtSeriesValue, pointRange } from './alert-format';

const SNOOZES: ReadonlyArray<{ label: string; minutes: number }> = [
  { label: '15 min', minutes: 15 },
  { label: '1 h', minutes: 60 },
  { label: '4 h', minutes: 240 },
];

/** The operator's marks on an alert, as chips. */
export function AlertMarks({ alert, nowMs }: { alert: Alert; nowMs: number }) {
  return (
    <>
      {alert.ackBy ? <span className="mark mark-ack" data-testid="alert-acked">acknowledged by {alert.ackBy}{alert.ackMs ? ` at ${fmtClock(alert.ackMs)}` : ''}</span> : null}
      {(alert.snoozedUntilMs ?? 0) > nowMs ? <span className="mark mark-snooze" data-testid="alert-snoozed">snoozed until {fmtClock(alert.snoozedUntilMs as number)}</span> : null}
      {alert.noise ? <span className="mark mark-noise" data-testid="alert-noise">noise</span> : null}
    </>
  );
}

/** A log alert's template, its sample lines, and one click to every line behind it. */
function LogEvidence({ alert, nowMs }: { alert: Alert; nowMs: number }) {
  const log = alert.evidence.log;
  const href = alertLinesHash(alert, nowMs);
  if (!log) return null;
  return (
    <div className="alert-log" data-testid="alert-log">
      <div>
        {log.kind === 'new' ? 'New template' : 'Template rate left its baseline'} at <b>{log.level}</b>: <code>{log.text}</code>
      </div>
      <ul className="alert-log-samples">
        {log.samples.map((l) => (
          <li key={`${l.ts}:${l.msg}`}>
            <span className="muted">{fmtClock(l.ts)}</span> {l.msg}
          </li>
        ))}
      </ul>
      {href ? (
        <a href={href} data-testid="alert-log-lines">
          Show the lines behind it
        </a>
      ) : null}
    </div>
  );
}

export function AlertDetail({ alert, nowMs }: { alert: Alert; nowMs: number }) {
  useAlertWindowFeed(alert);
  const { window, pending, error } = useApp((s) => ({ window: s.alerts.window, pending: s.alerts.pending[alert.id] === true, error: s.alerts.actionError }));
  const actions = useAlertActions();
  const range = pointRange(alert.evidence.points);
  const k = alert.seriesKey;
  const open = alert.state === 'open';
  return (
    <div className="alert-detail" data-testid="alert-detail" data-alert-id={alert.id} data-state={alert.state}>
      <div className="alert-detail-head">
        <SeverityLabel severity={alert.severity} />
        <span className="alert-series">{k}</span>
        <span className={`alert-state state-${alert.state}`}>{open ? 'open' : 'resolved'}</span>
        <AlertMarks alert={alert} nowMs={nowMs} />
      </div>
      <dl className="facts alert-facts">
        <div>
          <dt>Started</dt>
          <dd>{fmtClock(alert.startMs)}</dd>
        </div>
        <div>
          <dt>{open ? 'Open for' : 'Ended'}</dt>
          <dd>{open ? fmtDuration(nowMs - alert.startMs) : `${fmtClock(alert.endMs ?? alert.startMs)} (after ${fmtDuration((alert.endMs ?? alert.startMs) - alert.startMs)})`}</dd>
        </div>
        <div>
          <dt>Score</dt>
          <dd>
            peak <b>{fmtScore(alert.peakScore)}</b> · last {fmtScore(alert.lastScore)}
          </dd>
        </div>
        <div>
          <dt>Evidence</dt>
          <dd data-testid="alert-evidence">
            baseline <b>{fmtSeriesValue(k, alert.evidence.baseline)}</b>
            {range ? (
              <>
                {' '}
                vs <b>{fmtSeriesValue(k, range.min)}</b>
                {range.max !== range.min ? <> – <b>{fmtSeriesValue(k, range.max)}</b></> : null} over {alert.evidence.points.length} deviating samples
              </>
            ) : null}
          </dd>
        </div>
      </dl>
      {alert.evidence.log ? <LogEvidence alert={alert} nowMs={nowMs} /> : <AlertWindowChart alert={alert} series={window?.alertId === alert.id ? window.line : null} />}
      <div className="alert-actions" role="group" aria-label="Alert actions">
        <button type="button" className="action" disabled={pending || alert.ackBy !== undefined} onClick={() => actions.ack(alert.id)} data-testid="alert-ack">
          {alert.ackBy ? 'Acknowledged' : 'Acknowledge'}
        </button>
        <span className="segmented" role="group" aria-label="Snooze">
          {SNOOZES.map((s) => (
            <button key={s.minutes} type="button" disabled={pending} onClick={() => actions.snooze(alert.id, s.minutes)} data-testid={`alert-snooze-${s.minutes}`} title={`Hide it from the open alerts for ${s.label}`}>
              Snooze {s.label}
            </button>
          ))}
        </span>
        {alert.noise ? (
          <button type="button" className="action" disabled={pending} onClick={() => actions.noise(alert.id, false)} data-testid="alert-unnoise-button" title="It was a real problem after all: the series gets back the sensitivity this mark took">
            Not noise after all
          </button>
        ) : (
          <button type="button" className="action" disabled={pending} onClick={() => actions.noise(alert.id)} data-testid="alert-noise-button" title="Not a real problem: the series becomes less sensitive">
            Mark as noise
          </button>
        )}
        {pending ? <span className="muted">Saving…</span> : null}
      </div>
      {error ? <div className="banner" role="alert">The action failed: {error}</div> : null}
    </div>
  );
}
