/**
 * Every command from the console passes this gate before anything else: signature (the console key learnt
 * at enrolment, over the canonical encoding bound to this host), freshness (issuedAt/expiresAt with a
 * clock-skew allowance, and a bounded lifetime), replay (nonces remembered until expiry), then the host's
 * own policy. A refusal is a result with a code from COMMAND_REFUSALS, and is logged.
 */
import { verify, type KeyObject } from 'node:crypto';
import { commandSigningInput } from '@cerebro/shared/protocol/canonical';
import { COMMAND_CLOCK_SKEW_MS, MAX_COMMAND_LIFETIME_MS, type CommandRefusal } from '@cerebro/shared/protocol/commands';
import type { CommandEnvelope } from '@cerebro/shared/protocol/messages';
import type { NonceStore } from './nonces';
import { policyRefusal, type CollectorPolicy } from './policy';

export interface Refusal {
  readonly code: CommandRefusal;
  readonly message: string;
}

export interface GateOptions {
  /** The console's command public key; null: not enrolled, every command is refused. */
  readonly commandKey: KeyObject | null;
  readonly hostId: string;
  readonly policy: CollectorPolicy;
  readonly nonces: NonceStore;
  readonly now?: () => number;
}

function checkSignature(cmd: CommandEnvelope, key: KeyObject | null, hostId: string): Refusal | null {
  if (!key) return { code: 'NOT_ENROLLED', message: 'this collector was not enrolled, so it knows no console key to check commands with: enrol it with `cerebro-collector enroll`' };
  if (!cmd.sig) return { code: 'UNSIGNED', message: `command ${cmd.id} carries no signature` };
  const input = commandSigningInput(cmd, hostId);
  if (!input.ok) return { code: 'BAD_SIGNATURE', message: `command ${cmd.id} cannot have a valid signature: ${input.error}` };
  let good = false;
  try {
    good = verify(null, Buffer.from(input.value), key, cmd.sig);
  } catch {
    good = false;
  }
  return good ? null : { code: 'BAD_SIGNATURE', message: `command ${cmd.id} ('${cmd.kind}') is not signed by the enrolled console for host ${hostId}` };
}

function checkFreshness(cmd: CommandEnvelope, now: number): Refusal | null {
  if (!(cmd.expiresAtMs > cmd.issuedAtMs) || cmd.expiresAtMs - cmd.issuedAtMs > MAX_COMMAND_LIFETIME_MS) {
    return { code: 'BAD_LIFETIME', message: `command ${cmd.id} claims a life of ${cmd.expiresAtMs - cmd.issuedAtMs} ms; it must be positive and at most ${MAX_COMMAND_LIFETIME_MS} ms` };
  }
  if (cmd.issuedAtMs > now + COMMAND_CLOCK_SKEW_MS) return { code: 'NOT_YET_VALID', message: `command ${cmd.id} was issued ${cmd.issuedAtMs - now} ms in the future: check the clocks of the console and this host` };
  if (cmd.expiresAtMs < now - COMMAND_CLOCK_SKEW_MS) return { code: 'EXPIRED', message: `command ${cmd.id} expired ${now - cmd.expiresAtMs} ms ago` };
  return null;
}

export class CommandGate {
  constructor(private readonly o: GateOptions) {}

  /** null: the command may run (and its nonce is now used); else why not. */
  check(cmd: CommandEnvelope): Refusal | null {
    const now = this.o.now?.() ?? Date.now();
    const refused = checkSignature(cmd, this.o.commandKey, this.o.hostId) ?? checkFreshness(cmd, now);
    if (refused) return refused;
    if (this.o.nonces.has(cmd.nonce)) return { code: 'REPLAYED', message: `command ${cmd.id} reuses nonce ${cmd.nonce.slice(0, 12)}…, already used by an earlier command` };
    // Used from here on, even if the policy refuses it: a refused command must not be retried by replay either.
    this.o.nonces.add(cmd.nonce, cmd.expiresAtMs + COMMAND_CLOCK_SKEW_MS, now);
    const forbidden = policyRefusal(this.o.policy, cmd.kind, cmd.payload);
    return forbidden ? { code: 'FORBIDDEN_BY_POLICY', message: forbidden } : null;
  }
}
