/**
 * One incident's diagnosis for its panel: the live `diagnosis` topic of that incident (tokens as the model
 * writes them, then records), the stored record loaded after each (re)connect, and `diagnose` to start one.
 */
import { useCallback, useEffect, useReducer } from 'react';
import type { DiagnosisEvent, DiagnosisRecord } from '@cerebro/shared/api/contract';
import { subscribeAndLoad } from '../../feeds/live-feed';
import { useTransport } from '../../transport/context';
import { diagnosisEvent, diagnosisFailed, diagnosisLoaded, initialDiagnosisPanel, type DiagnosisPanelState } from './diagnosis-model';

type Msg = { readonly kind: 'event'; readonly event: DiagnosisEvent } | { readonly kind: 'loaded'; readonly record: DiagnosisRecord | null } | { readonly kind: 'failed'; readonly message: string } | { readonly kind: 'reset' };

function reduce(s: DiagnosisPanelState, m: Msg): DiagnosisPanelState {
  switch (m.kind) {
    case 'event':
      return diagnosisEvent(s, m.event);
    case 'loaded':
      return diagnosisLoaded(s, m.record);
    case 'failed':
      return diagnosisFailed(s, m.message);
    case 'reset':
      return initialDiagnosisPanel;
  }
}

export function useDiagnosisFeed(incidentId: string): { state: DiagnosisPanelState; diagnose: () => void } {
  const transport = useTransport();
  const [state, send] = useReducer(reduce, initialDiagnosisPanel);
  useEffect(() => {
    send({ kind: 'reset' });
    return subscribeAndLoad(
      transport,
      { topic: 'diagnosis', incidentId },
      (e) => {
        if (e.type === 'diagnosis') send({ kind: 'event', event: e.event });
      },
      (alive) => {
        transport.request('diagnosis', { hostId: incidentId }).then(
          (r) => alive() && send({ kind: 'loaded', record: r }),
          // NOT_FOUND: never diagnosed, which the panel shows as such.
          (e: Error & { code?: string }) => alive() && (e.code === 'NOT_FOUND' ? send({ kind: 'loaded', record: null }) : send({ kind: 'failed', message: e.message })),
        );
      },
    );
  }, [transport, incidentId]);
  const diagnose = useCallback(() => {
    transport.agentPost('diagnose', incidentId, {}).then(
      (r) => send({ kind: 'event', event: { kind: 'record', record: r } }),
      (e: Error) => send({ kind: 'failed', message: e.message }),
    );
  }, [transport, incidentId]);
  return { state, diagnose };
}
