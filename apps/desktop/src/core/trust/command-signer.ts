/** Signs console → collector commands with the console's Ed25519 key (console-trust.ts). */
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { commandSigningInput } from '@cerebro/shared/protocol/canonical';
import { MAX_COMMAND_LIFETIME_MS } from '@cerebro/shared/protocol/commands';
import type { CommandEnvelope } from '@cerebro/shared/protocol/messages';

export class CommandSignError extends Error {
  override readonly name = 'CommandSignError';
}

/** A signed envelope for `hostId`, living `ttlMs` from `now`; throws CommandSignError on a payload that cannot be signed. */
export function signCommand(key: KeyObject, hostId: string, kind: string, payload: unknown, ttlMs: number, now = Date.now()): CommandEnvelope {
  if (!(ttlMs > 0 && ttlMs <= MAX_COMMAND_LIFETIME_MS)) throw new CommandSignError(`a command's life must be from 1 ms to ${MAX_COMMAND_LIFETIME_MS} ms, got ${ttlMs}`);
  const fields = { id: randomBytes(8).toString('hex'), kind, issuedAtMs: now, expiresAtMs: now + ttlMs, nonce: randomBytes(16).toString('base64url'), payload: payload ?? null };
  const input = commandSigningInput(fields, hostId);
  if (!input.ok) throw new CommandSignError(`cannot sign the '${kind}' command: ${input.error}`);
  return { type: 'command', ...fields, sig: sign(null, Buffer.from(input.value), key) };
}
