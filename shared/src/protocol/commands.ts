/**
 * Console → collector commands: the kinds a collector knows, the refusal codes of their results, and the
 * freshness rules both sides share. The envelope is `CommandEnvelope` in messages.ts; what is signed is
 * `commandSigningInput` in canonical.ts.
 */

/** Command kinds. `ping` proves the signed path end to end; `remediation.run` runs runbook steps; `terminal.open` grants a terminal session. */
export const COMMAND_KINDS = {
  ping: 'Answer {pong: true, receivedAtMs}: checks that signed commands reach the host and come back.',
  'terminal.open': 'Open a terminal session: payload {sid, cols, rows, by, user?} (protocol/terminal.ts); answers {sid, pid, user, shell}, then the session streams as term.* frames. Refused when the host policy disables terminals or restricts the user.',
  'remediation.run': 'Run the remediation action named in payload {action, params, timeoutMs?, auditHead?}; answers the action\'s structured result (status, message, output, details). The host policy may allow-list actions.',
} as const;
export type CommandKind = keyof typeof COMMAND_KINDS;

/** Every code a refused command's result can carry, with a one-line meaning. */
export const COMMAND_REFUSALS = {
  NOT_ENROLLED: 'The collector holds no console command key (it authenticates with a static token, not an enrolment), so it runs no commands.',
  UNSIGNED: 'The command carries no signature.',
  BAD_SIGNATURE: 'The signature does not verify with the console key learnt at enrolment: forged, altered, or meant for another host.',
  NOT_YET_VALID: 'issuedAtMs lies in the future by more than the clock-skew allowance.',
  EXPIRED: 'expiresAtMs has passed by more than the clock-skew allowance.',
  BAD_LIFETIME: 'expiresAtMs is not after issuedAtMs, or the command claims a longer life than MAX_COMMAND_LIFETIME_MS.',
  REPLAYED: 'The nonce was already used by an earlier command.',
  FORBIDDEN_BY_POLICY: "The host's local policy file forbids this command, whatever the console says.",
  UNSUPPORTED_COMMAND: 'The collector does not know this command kind.',
  INVALID_PAYLOAD: 'The payload is not what the command kind expects.',
  BUSY: 'The collector is already running as many commands of this kind as it allows at once (one remediation at a time); retry when it ends.',
  HOST_ERROR: 'The collector failed before it could run the command (e.g. it could not record the nonce on disk); nothing was run.',
  NOT_CONNECTED: 'Console side: the host has no live connection, or it closed before answering.',
  TIMEOUT: 'Console side: no result arrived within the timeout.',
} as const;
export type CommandRefusal = keyof typeof COMMAND_REFUSALS;

/** Clocks of console and host may differ by this much before a command counts as early or late, ms. */
export const COMMAND_CLOCK_SKEW_MS = 30_000;
/** The longest a command may live (expiresAtMs − issuedAtMs), ms: bounds how long nonces are remembered. */
export const MAX_COMMAND_LIFETIME_MS = 15 * 60_000;
