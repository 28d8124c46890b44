/** The live ranges, and the zoomed window (brushed on a chart) with its Reset while one is shown. */
import { fmtZoom } from '../../charts/zoom';
import { rangeChanged, zoomReset } from '../../state/actions';
import { dispatch } from '../../state/store';
import { RANGES, type RangeKey, type ZoomWindow } from '../../state/types';

export function RangePicker({ value, zoom }: { value: RangeKey; zoom: ZoomWindow | null }) {
  return (
    <div className="range-picker">
      {zoom ? (
        <span className="zoom-chip" data-testid="zoom-chip" data-from-ms={zoom.fromMs} data-to-ms={zoom.toMs}>
          zoomed: {fmtZoom(zoom)} ·{' '}
          <button type="button" className="link-button" onClick={() => dispatch(zoomReset, undefined)} title="Back to the live range (Escape, or double-click a chart)">
            Reset
          </button>
        </span>
      ) : null}
      <div className="segmented" role="group" aria-label="Time range">
        {(Object.keys(RANGES) as RangeKey[]).map((r) => {
          const on = zoom === null && r === value;
          return (
            <button key={r} type="button" className={on ? 'on' : ''} aria-pressed={on} onClick={() => dispatch(rangeChanged, r)} data-range={r}>
              {r.replace('m', ' min').replace('h', ' h')}
            </button>
          );
        })}
      </div>
    </div>
  );
}
