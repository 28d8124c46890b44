/**
 * The model host's state for the agents' panels: the live `models` topic (status and load progress) and
 * GET /models (the folder and its files), re-read after each reconnect. `load` asks the console to load a
 * file of the folder.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ModelStatus, ModelsView } from '@cerebro/shared/api/contract';
import { useTransport } from '../transport/context';
import { subscribeAndLoad } from './live-feed';

export interface ModelsFeed {
  readonly view: ModelsView | null;
  readonly status: ModelStatus | null;
  readonly error: string | null;
  load(file: string): void;
}

export function useModelsFeed(): ModelsFeed {
  const transport = useTransport();
  const [view, setView] = useState<ModelsView | null>(null);
  const [status, setStatus] = useState<ModelStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(
    () =>
      subscribeAndLoad(
        transport,
        { topic: 'models' },
        (e) => {
          if (e.type === 'models') setStatus(e.status);
        },
        (alive) => {
          transport.request('models').then(
            (v) => alive() && (setView(v), setError(null)),
            (e: Error) => alive() && setError(e.message),
          );
        },
      ),
    [transport],
  );
  const load = useCallback(
    (file: string) => {
      setError(null);
      transport.agentPost('loadModel', undefined, { file }).then(
        (s) => setStatus(s),
        (e: Error) => setError(e.message),
      );
    },
    [transport],
  );
  return { view, status, error, load };
}
