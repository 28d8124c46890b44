/** The operator's alert actions: each calls the API, marks the alert pending meanwhile and stores the answer. */
import { useMemo } from 'react';
import type { Alert } from '@cerebro/shared/api/contract';
import { alertActionDone, alertActionFailed, alertActionStarted } from '../state/alert-actions';
import { dispatch } from '../state/store';
import { useTransport } from '../transport/context';

export interface AlertActions {
  ack(id: string): void;
  snooze(id: string, minutes: number): void;
  /** Marks the alert as noise, or (`noise` false) takes the mark back. */
  noise(id: string, noise?: boolean): void;
}

export function useAlertActions(): AlertActions {
  const transport = useTransport();
  return useMemo(() => {
    const run = (id: string, call: () => Promise<Alert>): void => {
      dispatch(alertActionStarted, id);
      call().then(
        (alert) => dispatch(alertActionDone, alert),
        (e: Error) => dispatch(alertActionFailed, { id, message: e.message }),
      );
    };
    return {
      ack: (id) => run(id, () => transport.act('ackAlert', id, { by: 'operator' })),
      snooze: (id, minutes) => run(id, () => transport.act('snoozeAlert', id, { minutes })),
      noise: (id, noise = true) => run(id, async () => (await transport.act('noiseAlert', id, { noise })).alert),
    };
  }, [transport]);
}
