/**
 * While a view is shown: one API route read at once and again `everyMs` after each answer (or failure),
 * for views whose data changes on the console's own schedule (runs, the audit log, notification
 * deliveries). The latest value stays while a later read fails; `error` says why it may be out of date.
 */
import { useEffect, useState } from 'react';
import type { RouteName, RouteResponses } from '@cerebro/shared/api/contract';
import { useTransport } from '../transport/context';

export function usePolledRoute<N extends RouteName>(route: N, query: Readonly<Record<string, string | number>>, everyMs: number): { value: RouteResponses[N] | null; error: string | null } {
  const transport = useTransport();
  const [value, setValue] = useState<RouteResponses[N] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(query);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const params = { query: JSON.parse(key) as Record<string, string | number> };
    const load = (): void => {
      transport.request(route, params).then(
        (v) => {
          if (!alive) return;
          setValue(v);
          setError(null);
          timer = setTimeout(load, everyMs);
        },
        (e: Error) => {
          if (!alive) return;
          setError(e.message);
          timer = setTimeout(load, everyMs);
        },
      );
    };
    load();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [transport, route, key, everyMs]);
  return { value, error };
}
