/** The Ask view's state, pure: the question's record (polled) and the text streamed under its id. */
import type { AskRecord, DiagnosisEvent } from '@cerebro/shared/api/contract';

export interface AskState {
  readonly record: AskRecord | null;
  readonly streamed: string;
  readonly error: string | null;
  readonly pending: boolean;
}

export const initialAsk: AskState = { record: null, streamed: '', error: null, pending: false };

const MAX_STREAM_CHARS = 8_000;

export function askStarted(s: AskState): AskState {
  return { ...initialAsk, pending: true, record: s.record && s.record.state === 'running' ? s.record : null };
}

export function askRecord(s: AskState, record: AskRecord): AskState {
  // Polls may answer out of order: a finished record is never replaced by a running one of the same ask.
  if (s.record?.id === record.id && s.record.state !== 'running' && record.state === 'running') return s;
  return { ...s, record, pending: false, streamed: s.record?.id === record.id ? s.streamed : '', error: null };
}

export function askToken(s: AskState, e: DiagnosisEvent): AskState {
  if (e.kind !== 'token' || e.phase !== 'ask' || !s.record || e.incidentId !== s.record.id) return s;
  return { ...s, streamed: (s.streamed + e.text).slice(-MAX_STREAM_CHARS) };
}

export function askFailed(s: AskState, message: string): AskState {
  return { ...s, pending: false, error: message };
}
