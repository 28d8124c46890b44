/** Test helpers: a LogService in a temp $CEREBRO_HOME, and batches carrying log records. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { LogLevel, LogRecord, TelemetryBatch } from '@cerebro/shared/protocol/messages';
import type { AlertEvent } from '../alerts/scorer';
import { LogService } from './log-service';
import type { LogStoreOptions } from './options';
import { parseLevels, parseTerms, type LogQuery } from './search';

export function tempHome(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-logs-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Opened {
  readonly logs: LogService;
  readonly alerts: AlertEvent[];
}

export function openLogs(home: string, options: Partial<LogStoreOptions> = {}): Opened {
  const alerts: AlertEvent[] = [];
  const logs = LogService.open({ home, log: () => undefined, onAlert: (e) => alerts.push(e) }, options);
  return { logs, alerts };
}

export function rec(ts: number, msg: string, level: LogLevel = 'info', src = 'file:/var/log/app.log'): LogRecord {
  return { ts, src, level, msg };
}

export function batch(seq: number, logs: LogRecord[]): TelemetryBatch {
  return { type: 'batch', seq, ts: logs[0]?.ts ?? 0, metrics: { k: [], v: [] }, logs };
}

export function query(q: Partial<Omit<LogQuery, 'levels' | 'terms'>> & { level?: string; q?: string } = {}): LogQuery {
  return {
    ...(q.hostId !== undefined ? { hostId: q.hostId } : {}),
    ...(q.templateId !== undefined ? { templateId: q.templateId } : {}),
    levels: parseLevels(q.level),
    terms: parseTerms(q.q),
    from: q.from ?? 0,
    to: q.to ?? Number.MAX_SAFE_INTEGER,
    limit: q.limit ?? 1000,
    cursor: q.cursor ?? null,
  };
}
