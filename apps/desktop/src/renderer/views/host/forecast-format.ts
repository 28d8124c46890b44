/** How forecasts read: which resource, and the time left ("3 h 5 min", "4 d"). Pure. */
import type { ResourceForecast } from '@cerebro/shared/api/contract';
import { fmtDuration } from './alert-format';

const DAY_MS = 86_400_000;

/** Time left until full: minutes and hours as fmtDuration, two days and more in days. */
export function fmtEta(ms: number): string {
  if (ms >= 2 * DAY_MS) return `${Math.round(ms / DAY_MS)} d`;
  return fmtDuration(ms);
}

/** "filesystem /data", "memory", "swap". */
export function forecastResource(f: ResourceForecast): string {
  return f.resource === 'filesystem' ? `filesystem ${f.name}` : f.resource;
}

/** One line for a tooltip: "filesystem /data full in 3 h at the earliest (estimate 5 h; alerts under 1 d)". */
export function forecastSentence(f: ResourceForecast): string {
  if (f.etaMs === null || f.etaLowerBoundMs === null) return `${forecastResource(f)}: not filling`;
  return `${forecastResource(f)} full in ${fmtEta(f.etaLowerBoundMs)} at the earliest (estimate ${fmtEta(f.etaMs)}; alerts under ${fmtEta(f.horizonMs)})`;
}
