/**
 * While a host view is shown: its series list, each chart line's range query (downsampled by the store
 * to about one point per pixel), live samples appended as they arrive, and the process table re-read
 * when the host reports (at most every 3 s). A zoomed window is queried once, at the resolution it needs,
 * and not followed live. Everything stops on unmount or when host, range or window change.
 */
import { useEffect } from 'react';
import type { SeriesData } from '@cerebro/shared/api/contract';
import { chartsFailed, chartsLoaded, processesLoaded, samplesArrived, seriesListed } from '../state/actions';
import { dispatch } from '../state/store';
import { RANGES, type RangeKey, type ZoomWindow } from '../state/types';
import { useTransport } from '../transport/context';
import { throttle } from '../lib/throttle';
import { chartDefs } from '../views/host/chart-defs';

const PROCESSES_EVERY_MS = 3_000;
/** The series list is read again this often while the host view is shown (see the effect). */
const RELIST_EVERY_MS = 2_000;
/** Points asked of the range API per line: about the chart's width in pixels. 15 min at 1 Hz stays raw. */
const POINTS = { '15m': 900, '1h': 720, '6h': 720, '24h': 720 } as const satisfies Record<RangeKey, number>;

export function useHostFeed(hostId: string, range: RangeKey, zoomed: ZoomWindow | null): void {
  const transport = useTransport();
  // The effect depends on the window's values, not on the object, so an equal window queries once.
  const zFrom = zoomed?.fromMs ?? null;
  const zTo = zoomed?.toMs ?? null;
  const zPoints = zoomed?.points ?? null;
  useEffect(() => {
    let alive = true;
    let offSamples: (() => void) | null = null;
    const refreshProcesses = throttle(() => {
      transport.request('processes', { hostId }).then((table) => alive && dispatch(processesLoaded, { hostId, table }), () => undefined);
    }, PROCESSES_EVERY_MS);

    let chartKeys = '';
    const load = async (): Promise<void> => {
      const series = await transport.request('series', { hostId });
      if (!alive) return;
      dispatch(seriesListed, { hostId, series });
      const keys = chartDefs(series).flatMap((d) => d.lines.map((l) => l.key));
      chartKeys = keys.join('\n');
      // Subscribe before querying so that no sample falls between the query and the first live event.
      offSamples?.();
      offSamples = transport.subscribe({ topic: 'samples', hostId, keys: [...keys, 'proc.count'] }, (e) => {
        if (e.type !== 'samples') return;
        dispatch(samplesArrived, { hostId, ts: e.ts, keys: e.keys, values: e.values });
        refreshProcesses();
      });
      const zoom = zFrom !== null && zTo !== null && zPoints !== null ? { fromMs: zFrom, toMs: zTo, points: zPoints } : null;
      const toMs = zoom?.toMs ?? Date.now();
      const fromMs = zoom?.fromMs ?? toMs - RANGES[range];
      const points = zoom?.points ?? POINTS[range];
      const results = await Promise.all(keys.map((key) => transport.request('query', { hostId, query: { key, from: fromMs, to: toMs, points } })));
      if (!alive) return;
      const data: Record<string, SeriesData> = {};
      keys.forEach((k, i) => (data[k] = results[i] as SeriesData));
      dispatch(chartsLoaded, { hostId, range, zoom, toMs, data });
    };
    load().catch((e: Error) => alive && dispatch(chartsFailed, { hostId, message: e.message }));
    refreshProcesses();
    // A host that has just connected lists few series (rates need two samples; disks and interfaces come
    // with later batches): re-list, and when the charts' series changed, subscribe and query again, or
    // those lines would stay empty until the view is reopened.
    const relist = setInterval(() => {
      transport.request('series', { hostId }).then(
        (series) => {
          if (!alive) return;
          const keys = chartDefs(series).flatMap((d) => d.lines.map((l) => l.key)).join('\n');
          if (keys !== chartKeys) load().catch((e: Error) => alive && dispatch(chartsFailed, { hostId, message: e.message }));
        },
        () => undefined,
      );
    }, RELIST_EVERY_MS);
    return () => {
      alive = false;
      clearInterval(relist);
      offSamples?.();
      refreshProcesses.cancel();
    };
  }, [transport, hostId, range, zFrom, zTo, zPoints]);
}
