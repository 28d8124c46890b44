/**
 * Remediation actions the collector runs for `remediation.run` commands (after the trust gate has checked
 * signature, freshness, replay and the host's policy). Each action validates its params, runs under a
 * timeout, keeps a bounded copy of what it printed, and answers a structured result: errors are data.
 */
import type { SignedAuditHead } from '@cerebro/shared/api/remediation';

/** What an action's result says happened. */
export const ACTION_STATUSES = {
  ok: 'The action ran and did what it was asked.',
  failed: 'The action ran and failed (non-zero exit, the service did not come back, an I/O error).',
  refused: 'The action was not run: bad params, a path outside the allowed directories, a reused pid, not root…',
  skipped: 'The action cannot run on this host (no container runtime, no supervisor): nothing was changed.',
  timeout: 'The action did not finish within its timeout and was stopped.',
} as const;
export type ActionStatus = keyof typeof ACTION_STATUSES;

/** Why an action was refused; every refusal names its rule. */
export const ACTION_REFUSALS = {
  UNKNOWN_ACTION: 'No action of that name exists on this collector.',
  INVALID_PARAMS: 'A parameter is missing, of the wrong type or out of range.',
  PATH_NOT_ALLOWED: "The path lies outside the host's allowed directories, climbs with '..', or escapes through a symlink.",
  PROCESS_CHANGED: 'No process with that pid and start time exists (it exited, or the pid was reused).',
  NOT_ROOT: 'The action needs root and the collector does not run as root.',
  SCRIPT_NOT_VETTED: "No script with that content hash is in the host's vetted scripts directory.",
  PROCESS_NOT_ALLOWED: "The host's policy does not let the console signal or renice a process of that name (remediation.processes).",
} as const;
export type ActionRefusal = keyof typeof ACTION_REFUSALS;

export interface ActionResult {
  readonly action: string;
  readonly status: ActionStatus;
  /** One sentence: what happened, or why not. */
  readonly message: string;
  /** Set when status is 'refused'. */
  readonly refusal?: ActionRefusal;
  /** Output of the commands run (stdout and stderr interleaved), at most ActionContext.maxOutputBytes. */
  readonly output: string;
  /** The output was longer and was cut. */
  readonly outputTruncated: boolean;
  readonly durationMs: number;
  /** Action-specific facts, e.g. the previous nice value (what a rollback needs), files deleted. */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * The newest signed audit head this host has kept (set by the handler when it keeps heads): the console
   * reads it back and compares it with its own chain, which a cut or rewritten log no longer matches.
   */
  readonly keptAuditHead?: SignedAuditHead;
}

/** The host's own limits on actions (from its local policy file). */
export interface ActionPolicy {
  /** Directories in which files may be deleted, truncated or rotated (absolute). Empty: none. */
  readonly allowedDirs: readonly string[];
  /** Directory of vetted scripts; a script runs only if its SHA-256 matches a file here. null: none. */
  readonly scriptsDir: string | null;
  /** supervisord's config file for supervisorctl (-c), when not the default one. */
  readonly supervisorConfig?: string;
  /**
   * Which processes signal-process and renice-process may touch, by name (comm, `*` and `?` globs):
   * `allow` null means any name; `deny` wins over `allow`. Absent: any process.
   */
  readonly processes?: { readonly allow: readonly string[] | null; readonly deny: readonly string[] };
}

export interface ActionContext {
  readonly policy: ActionPolicy;
  /** The action's own deadline, ms (bounded by each action's maximum). */
  readonly timeoutMs: number;
  /** Most output bytes kept (default 64 KiB). */
  readonly maxOutputBytes?: number;
  /** /proc, injectable for tests. */
  readonly procRoot?: string;
  /** Effective uid (default process.geteuid()); tests of root-only refusals inject it. */
  readonly uid?: number;
  /** Where systemd's runtime directory would be (default /run/systemd/system): its presence means systemd runs. */
  readonly systemdMarker?: string;
  /** PATH searched for systemctl, supervisorctl, docker, podman (default $PATH). */
  readonly pathEnv?: string;
  readonly now?: () => number;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;

/** Thrown inside an action for a refusal; the registry turns it into a result. */
export class ActionRefused extends Error {
  override readonly name = 'ActionRefused';
  constructor(
    readonly refusal: ActionRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** What an action function returns; the registry adds the name and duration. */
export type ActionOutcome = Omit<ActionResult, 'action' | 'durationMs' | 'output' | 'outputTruncated'> & { readonly output?: string; readonly outputTruncated?: boolean };

export type ActionHandler = (params: Readonly<Record<string, unknown>>, ctx: ActionContext) => Promise<ActionOutcome>;
