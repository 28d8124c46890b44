/** The host's time-to-exhaustion forecasts: each filesystem, memory and swap, with estimate and lower bound, or "not filling". */
import { useForecastsFeed } from '../../feeds/use-forecasts-feed';
import { fmtBytes, fmtClock } from '../../lib/format';
import { forecastAtRisk } from '../../state/incidents';
import { useApp } from '../../state/store';
import { fmtEta, forecastResource } from './forecast-format';
import './forecasts.css';

export function ForecastsPanel({ hostId }: { hostId: string }) {
  useForecastsFeed(hostId);
  const { list, evaluatedMs } = useApp((s) => ({ list: s.forecasts.byHost[hostId], evaluatedMs: s.forecasts.evaluatedMs }));
  return (
    <section className="panel forecasts-panel" data-testid="forecasts-panel">
      <div className="panel-head">
        <h2>Forecasts</h2>
        <span className="muted">time to exhaustion from the recent trend{evaluatedMs > 0 ? ` · evaluated ${fmtClock(evaluatedMs)}` : ''}</span>
      </div>
      {!list || list.length === 0 ? (
        <p className="muted pad" data-testid="forecasts-none">
          No forecast yet: a resource needs some history before its trend can be read.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Resource</th>
              <th>Used</th>
              <th>Full in (estimate)</th>
              <th>At the earliest</th>
              <th>Alerts under</th>
            </tr>
          </thead>
          <tbody>
            {list.map((f) => (
              <tr key={f.seriesKey} className={forecastAtRisk(f) ? 'at-risk' : ''} data-testid="forecast-row" data-resource={f.resource} data-name={f.name} data-at-risk={forecastAtRisk(f)}>
                <td>{forecastResource(f)}</td>
                <td>
                  {fmtBytes(f.used)} of {fmtBytes(f.capacity)}
                </td>
                {f.etaMs === null ? (
                  <td colSpan={2} className="muted">
                    not filling
                  </td>
                ) : (
                  <>
                    <td>{fmtEta(f.etaMs)}</td>
                    <td>{f.etaLowerBoundMs === null ? '—' : fmtEta(f.etaLowerBoundMs)}</td>
                  </>
                )}
                <td className="muted">{fmtEta(f.horizonMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
