/**
 * A simulated collector that ships log records: hello (with a fixed spool epoch, so that a reconnect
 * continues the same sequence), then batches that resolve on their ack. Frames are encoded with the
 * product's codec, exactly as the real collector sends them.
 */
import WebSocket from 'ws';
import { decodeConsoleFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type LogRecord, type TelemetryBatch } from '@cerebro/shared/protocol/messages';

export class LogCollector {
  private ws: WebSocket | null = null;
  private readonly acks = new Map<number, () => void>();

  constructor(
    readonly hostId: string,
    private readonly token: string,
    private readonly epoch = `epoch-${hostIdHash(hostId)}`,
  ) {}

  /** Connects and says hello; resolves on the welcome with the console's durable seq. */
  connect(url: string, oldestSeq = 1): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      this.ws = ws;
      const timer = setTimeout(() => reject(new Error(`${this.hostId}: no welcome within 10 s`)), 10_000);
      ws.on('open', () => ws.send(encodeMessage({ type: 'hello', v: PROTOCOL_VERSION, hostId: this.hostId, hostname: this.hostId, token: this.token, agent: { name: 'log-test', version: '0' }, epoch: this.epoch, oldestSeq, nextSeq: oldestSeq })));
      ws.on('message', (data: Buffer) => {
        const m = decodeConsoleFrame(data);
        if (!m.ok) return;
        if (m.value.type === 'welcome') {
          clearTimeout(timer);
          resolve(m.value.durableSeq);
        } else if (m.value.type === 'ack') {
          this.acks.get(m.value.seq)?.();
          this.acks.delete(m.value.seq);
        } else if (m.value.type === 'error') {
          reject(new Error(`${this.hostId}: ${m.value.code}: ${m.value.message}`));
        }
      });
      ws.on('error', (e) => reject(e));
    });
  }

  /** Sends one batch of log records (and one metric, and `extra` such as a process table) and resolves when the console acks it. */
  send(seq: number, logs: LogRecord[], timeoutMs = 10_000, extra: Pick<TelemetryBatch, 'procs'> = {}): Promise<void> {
    const ws = this.ws;
    if (!ws) throw new Error('not connected');
    const batch: TelemetryBatch = { type: 'batch', seq, ts: logs[0]?.ts ?? Date.now(), metrics: { k: ['load.1m'], v: [1] }, logs, ...extra };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.hostId}: batch ${seq} not acked within ${timeoutMs} ms`)), timeoutMs);
      this.acks.set(seq, () => {
        clearTimeout(timer);
        resolve();
      });
      ws.send(encodeMessage(batch));
    });
  }

  close(): void {
    this.ws?.terminate();
    this.ws = null;
  }
}

function hostIdHash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}
