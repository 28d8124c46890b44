/** A host's resources forecast to fill within their horizon: the soonest lower bound, all of them in the tooltip. */
import type { ResourceForecast } from '@cerebro/shared/api/contract';
import { fmtEta, forecastSentence } from '../host/forecast-format';
import '../host/forecasts.css';

/** `atRisk`: soonest first (state/incidents.ts forecastsAtRisk); nothing is drawn when empty. */
export function ForecastBadge({ atRisk }: { atRisk: readonly ResourceForecast[] | undefined }) {
  const first = atRisk?.[0];
  if (!atRisk || !first || first.etaLowerBoundMs === null) return null;
  return (
    <span className="forecast-badge" data-testid="forecast-badge" data-count={atRisk.length} data-resource={first.resource} title={atRisk.map(forecastSentence).join('\n')}>
      <span aria-hidden="true">◔</span> {fmtEta(first.etaLowerBoundMs)}
    </span>
  );
}
