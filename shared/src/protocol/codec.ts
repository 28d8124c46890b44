/**
 * The one msgpack codec of the protocol (msgpackr, records on).
 *
 * Records are self-contained in every frame (no structures shared across frames): frames are spooled,
 * replayed after reconnects and re-read from the console's write-ahead log, so a frame must decode
 * on its own, whatever was sent before it.
 */
import { Packr } from 'msgpackr';
import { err, ok, type Result } from '../result';
import { protocolError, type ProtocolError } from './errors';
import type { ConsoleMessage, CollectorMessage, Message } from './messages';
import { validateCollectorMessage, validateConsoleMessage } from './validate';

const packr = new Packr({ useRecords: true, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

export function encodeMessage(message: Message): Uint8Array {
  return packr.pack(message);
}

/** Decode msgpack bytes without validation; returns a typed error instead of throwing. */
export function decodeRaw(bytes: Uint8Array): Result<unknown, ProtocolError> {
  if (bytes.byteLength === 0) return err(protocolError('MALFORMED_FRAME', 'empty frame: every frame must hold one msgpack message'));
  try {
    return ok(packr.unpack(bytes));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return err(protocolError('MALFORMED_FRAME', `frame of ${bytes.byteLength} bytes is not valid msgpack (${reason})`));
  }
}

export interface DecodeLimits {
  /** Largest accepted frame, bytes. */
  readonly maxFrameBytes: number;
  /** Most metric samples in one batch. */
  readonly maxSamplesPerBatch: number;
}

export const DEFAULT_LIMITS: DecodeLimits = { maxFrameBytes: 4 * 1024 * 1024, maxSamplesPerBatch: 20_000 };

function checkSize(bytes: Uint8Array, limits: DecodeLimits): ProtocolError | null {
  return bytes.byteLength > limits.maxFrameBytes
    ? protocolError('FRAME_TOO_LARGE', `frame of ${bytes.byteLength} bytes exceeds the limit of ${limits.maxFrameBytes} bytes: send smaller batches`)
    : null;
}

/** Console side: bytes from a collector → a validated message or a typed error. Never throws. */
export function decodeCollectorFrame(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): Result<CollectorMessage, ProtocolError> {
  const tooBig = checkSize(bytes, limits);
  if (tooBig) return err(tooBig);
  const raw = decodeRaw(bytes);
  return raw.ok ? validateCollectorMessage(raw.value, limits) : raw;
}

/** Collector side: bytes from the console → a validated message or a typed error. Never throws. */
export function decodeConsoleFrame(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): Result<ConsoleMessage, ProtocolError> {
  const tooBig = checkSize(bytes, limits);
  if (tooBig) return err(tooBig);
  const raw = decodeRaw(bytes);
  return raw.ok ? validateConsoleMessage(raw.value) : raw;
}
