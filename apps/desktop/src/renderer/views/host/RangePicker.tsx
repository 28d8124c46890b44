import { rangeChanged } from '../../state/actions';
import { dispatch } from '../../state/store';
import { RANGES, type RangeKey } from '../../state/types';

export function RangePicker({ value }: { value: RangeKey }) {
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {(Object.keys(RANGES) as RangeKey[]).map((r) => (
        <button key={r} type="button" className={r === value ? 'on' : ''} aria-pressed={r === value} onClick={() => dispatch(rangeChanged, r)} data-range={r}>
          {r.replace('m', ' min').replace('h', ' h')}
        </button>
      ))}
    </div>
  );
}
