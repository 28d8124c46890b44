/**
 * Remediation in the console's local API (re-exported by contract.ts): runbooks as loaded from
 * `resources/runbooks/*.json`, the policy's verdict, action runs with their state machine, and the
 * hash-chained audit log. The UI's remediation drawer, actions history and audit view read these.
 */

/** Collector primitives a runbook step may use (apps/collector/src/actions/registry.ts implements them). */
export const ACTION_NAMES = [
  'restart-service',
  'stop-service',
  'start-service',
  'signal-process',
  'renice-process',
  'delete-old-files',
  'truncate-log',
  'rotate-log',
  'drop-caches',
  'restart-container',
  'run-script',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export type ParamType = 'string' | 'integer' | 'number' | 'boolean';

/** One runbook parameter. */
export interface RunbookParam {
  readonly type: ParamType;
  readonly description: string;
  /** Used when the caller gives none; a param with no default is required. */
  readonly default?: string | number | boolean;
  /** Inclusive bounds for integer / number params. */
  readonly min?: number;
  readonly max?: number;
  /** A regular expression a string param must match (whole string). */
  readonly pattern?: string;
}

export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/**
 * A condition on the console's view of a host. Strings may hold `{{param}}` placeholders.
 * - metric: the latest value of series `key` (e.g. `fs.used_pct{mount=/data}`) compared with `value`;
 *   the latest sample must be at most `maxAgeMs` old (default 30 s).
 * - process: processes of the latest process table matching `name` (comm) / `cmdContains` / `pid`;
 *   `expect` present or absent; with `field`/`op`/`value`, every match must satisfy it; with
 *   `startedAfterRun`, only processes started after the run began count (a restart happened).
 * - host: a fact of the host document at a dotted path (e.g. `inventory.os.platform`, `connected`).
 */
export type RunbookCondition =
  | { readonly kind: 'metric'; readonly key: string; readonly op: CompareOp; readonly value: number | string; readonly maxAgeMs?: number }
  | {
      readonly kind: 'process';
      readonly name?: string;
      readonly cmdContains?: string;
      readonly pid?: number | string;
      readonly expect: 'present' | 'absent';
      readonly field?: 'cpuPct' | 'rssBytes' | 'threads' | 'fds';
      readonly op?: CompareOp;
      readonly value?: number | string;
      readonly startedAfterRun?: boolean;
    }
  | { readonly kind: 'host'; readonly fact: string; readonly op: '==' | '!=' | 'exists'; readonly value?: string | number | boolean };

/** One step: a collector primitive with its params (values may be `{{param}}` or `{{steps.ID.details.FIELD}}`). */
export interface RunbookStep {
  readonly id: string;
  readonly action: ActionName;
  readonly params: Readonly<Record<string, unknown>>;
  /** The step's timeout on the host, ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Wait this long before the step, ms (backoff between restarts, settling). */
  readonly delayMs?: number;
  readonly description?: string;
  /** Skip (not fail) the step when the host says the primitive cannot run there (status skipped). */
  readonly optional?: boolean;
}

export interface RunbookVerification {
  /** All must hold at the same check. */
  readonly all: readonly RunbookCondition[];
  /** Give up (and roll back) after this long, ms. */
  readonly withinMs: number;
  /** Check every this many ms (default 1 s). */
  readonly pollMs?: number;
}

export interface Runbook {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Which incidents it answers: alert series prefixes and fault names, for proposals (agents, rules). */
  readonly remedies: readonly string[];
  readonly params: Readonly<Record<string, RunbookParam>>;
  readonly preconditions: readonly RunbookCondition[];
  readonly steps: readonly RunbookStep[];
  readonly verification: RunbookVerification;
  /** Steps that undo `steps`, run when verification fails; absent when nothing can be undone. */
  readonly rollback?: readonly RunbookStep[];
  /** Vetted scripts of run-script steps: file name → SHA-256 (filled by the loader from `scripts/`). */
  readonly scripts: Readonly<Record<string, string>>;
  /** The file it came from (relative to the runbooks folder). */
  readonly file: string;
}

export type AutonomyLevel = 'observe' | 'suggest' | 'one-click' | 'autonomous';

/** Who asks: an operator in the UI/CLI (one-click) or the console's own policy (autonomous). */
export type Actor = { readonly type: 'operator'; readonly name: string } | { readonly type: 'policy'; readonly name: string };

/** Rules of the policy engine; a refusal names one. */
export const POLICY_RULES = {
  KILL_SWITCH: 'The kill switch is on: no autonomous action runs until it is turned off.',
  AUTONOMY: "The runbook's autonomy level for this host's group does not allow this kind of run.",
  MAINTENANCE_WINDOW: 'Autonomous action is limited to (or barred from) a maintenance window, and now is not allowed.',
  MAX_CONCURRENT_HOSTS: 'Blast radius: that many hosts are already being remediated at once.',
  RATE_RUNBOOK: 'Blast radius: the runbook ran its maximum number of times in the last hour.',
  RATE_HOST: 'Blast radius: the host had its maximum number of runs in the last hour.',
  HOST_BUSY: 'Another run is already in progress on this host.',
  PRECONDITION: "A runbook precondition does not hold on the host.",
  UNKNOWN_RUNBOOK: 'No runbook has that id.',
  INVALID_PARAMS: "The parameters do not match the runbook's parameter schema.",
  UNKNOWN_HOST: 'The console knows no host with that id.',
  CONSOLE_ITSELF: "A step would signal or renice the console's own process (the operator's view and the policy would go with it).",
  DRY_RUN_REQUIRED: 'The runbook (or its current version) has had no dry run yet (on this host, with requireDryRun "per-host"): a dry run must show what it would do before its first live run.',
} as const;
export type PolicyRule = keyof typeof POLICY_RULES;

export interface PolicyVerdict {
  readonly allowed: boolean;
  /** The autonomy level that applied. */
  readonly level: AutonomyLevel;
  /** Set when refused: the rule that refused and why, in a sentence. */
  readonly rule?: PolicyRule;
  readonly reason: string;
}

/** What a run would do, step by step, with every placeholder filled in. */
export interface DryRunView {
  readonly runbookId: string;
  readonly hostId: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly verdict: PolicyVerdict;
  readonly preconditions: readonly ConditionCheck[];
  readonly steps: readonly { readonly id: string; readonly action: ActionName; readonly params: Readonly<Record<string, unknown>>; readonly timeoutMs: number; readonly delayMs: number }[];
  readonly verification: RunbookVerification;
  readonly rollback: readonly { readonly id: string; readonly action: ActionName; readonly params: Readonly<Record<string, unknown>> }[];
  /** This dry run as the console recorded it (it lifts DRY_RUN_REQUIRED for the runbook). */
  readonly recorded?: DryRunRecord;
  /** Each step read against the host's own policy as it last reported it (absent: not reported); the host still decides. */
  readonly hostPolicy?: readonly { readonly stepId: string; readonly ok: boolean; readonly detail: string }[];
}

/** A dry run the console recorded: live runs of the runbook need one first (policy `requireDryRun`). */
export interface DryRunRecord {
  readonly runbookId: string;
  readonly hostId: string;
  /** ms since the epoch. */
  readonly atMs: number;
  /** The operator who saw it. */
  readonly by: string;
  /** SHA-256 of the runbook as it was dry-run: an edited runbook needs a new dry run. */
  readonly fingerprint: string;
}

export interface ConditionCheck {
  readonly condition: RunbookCondition;
  readonly ok: boolean;
  /** "fs.used_pct{mount=/data} is 97.2 (needs > 90)". */
  readonly detail: string;
}

/**
 * A run's states: proposed → (awaiting-approval →) running → verifying → succeeded; or refused (policy),
 * failed (a step failed: rollback runs), rolling-back → rolled-back / rollback-failed (verification failed).
 */
export type RunState = 'proposed' | 'awaiting-approval' | 'refused' | 'running' | 'verifying' | 'succeeded' | 'failed' | 'rolling-back' | 'rolled-back' | 'rollback-failed';

export interface StepOutcome {
  readonly id: string;
  readonly action: ActionName;
  readonly params: Readonly<Record<string, unknown>>;
  /** The collector's status (ok, failed, refused, skipped, timeout) or the transport's refusal code. */
  readonly status: string;
  readonly message: string;
  readonly output?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly startedMs: number;
  readonly endedMs: number;
}

export interface ActionRun {
  readonly id: string;
  readonly runbookId: string;
  readonly hostId: string;
  readonly incidentId?: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly actor: Actor;
  readonly state: RunState;
  readonly verdict?: PolicyVerdict;
  readonly steps: readonly StepOutcome[];
  readonly rollback: readonly StepOutcome[];
  readonly verification?: { readonly ok: boolean; readonly checks: readonly ConditionCheck[]; readonly atMs: number };
  readonly createdMs: number;
  readonly updatedMs: number;
  /** Why it ended as it did, in a sentence. */
  readonly summary: string;
}

export type AuditKind = 'proposal' | 'approval' | 'refusal' | 'command' | 'output' | 'verification' | 'rollback' | 'policy' | 'dry-run';

export interface AuditRecord {
  readonly seq: number;
  /** ms since the epoch. */
  readonly time: number;
  readonly actor: Actor;
  readonly kind: AuditKind;
  readonly payload: unknown;
  /** Hash of the previous record (64 zeros for the first). */
  readonly prevHash: string;
  /** SHA-256 over the canonical encoding of every other field, hex. */
  readonly hash: string;
}

export interface AuditVerifyResult {
  readonly ok: boolean;
  readonly records: number;
  /** The first broken record and why, when not ok. */
  readonly brokenSeq?: number;
  readonly reason: string;
  /** The signed head: the last seq and hash vouched for by the console key. */
  readonly head: { readonly seq: number; readonly hash: string; readonly signed: boolean } | null;
}

export interface RunbooksView {
  readonly runbooks: readonly Runbook[];
  /** Files that failed validation, with the error naming file and field. */
  readonly errors: readonly string[];
}

export interface RemediationStatusView {
  readonly killSwitch: boolean;
  readonly running: number;
}

/** Body of the dry-run and execute routes. */
export interface RunbookRunRequest {
  readonly hostId: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly incidentId?: string;
  /** Who asks (recorded in the audit log); default "operator". */
  readonly operator?: string;
}

export interface ApproveRunRequest {
  readonly operator?: string;
}

export interface KillSwitchRequest {
  readonly on: boolean;
  readonly operator?: string;
}

export interface ActionsView {
  /** Newest first. */
  readonly runs: readonly ActionRun[];
}

export interface AuditView {
  /** The newest records, oldest first. */
  readonly records: readonly AuditRecord[];
  readonly verification: AuditVerifyResult;
}

/** The chain head as the console signs it after every append; commands to hosts carry it (payload.auditHead). */
export interface SignedAuditHead {
  readonly seq: number;
  readonly hash: string;
  /** ms since the epoch of the last record. */
  readonly time: number;
  /** Ed25519 over `auditHeadSigningInput`, base64. */
  readonly sig: string;
}

/** The text a head's signature covers (domain-separated, so that no other signature can pass for it). */
export function auditHeadSigningInput(h: { readonly seq: number; readonly hash: string; readonly time: number }): string {
  return `cerebro-audit-head/v1\n${h.seq}\n${h.hash}\n${h.time}`;
}

/** A runbook that fits one ranked cause of an incident, with the params the cause gives. */
export interface RunbookProposal {
  /** 1 for the top cause. */
  readonly causeRank: number;
  readonly runbookId: string;
  readonly hostId: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Required params (no default) that nothing in the incident gives: the operator fills them in. */
  readonly missing: readonly string[];
  /** Why it fits, in a sentence. */
  readonly reason: string;
}

export interface ProposalsView {
  readonly incidentId: string;
  /** By cause rank, then complete proposals first. */
  readonly proposals: readonly RunbookProposal[];
}

/** Body of POST /remediation/policy/level: set a runbook's autonomy level (for a host group, or every host). */
export interface SetLevelRequest {
  readonly runbookId: string;
  /** A group of the policy's "groups", or "*" (default): hosts in no more specific entry. */
  readonly group?: string;
  readonly level: AutonomyLevel;
  /** Who changes it (recorded in the audit log); default "operator". */
  readonly operator?: string;
}

/** The remediation policy as the console applies it now (levels can be set through the API; the rest is edited in the file). */
/**
 * Change the policy's settings from the UI (POST /remediation/policy/settings): any subset; the console
 * checks the result as it checks the file, writes the file and audits the change with its previous values.
 */
export interface PolicySettingsRequest {
  readonly defaultLevel?: AutonomyLevel;
  readonly requireDryRun?: boolean | 'per-host';
  readonly blastRadius?: { readonly maxConcurrentHosts?: number; readonly maxRunsPerHourPerRunbook?: number; readonly maxRunsPerHourPerHost?: number };
  readonly maintenanceMode?: 'off' | 'only-inside' | 'never-inside';
  /** Who changes it (recorded in the audit log); default "operator". */
  readonly operator?: string;
}

export interface RemediationPolicyView {
  /** The policy file ($CEREBRO_HOME/remediation-policy.json); it may not exist yet (defaults apply). */
  readonly file: string;
  readonly killSwitch: boolean;
  readonly defaultLevel: AutonomyLevel;
  /** false: no dry run needed; true: one per runbook; "per-host": one per runbook and host. */
  readonly requireDryRun: boolean | 'per-host';
  /** Host group names, in the file's order. */
  readonly groups: readonly string[];
  readonly runbooks: readonly {
    readonly runbookId: string;
    readonly title: string;
    /** The level for hosts in no group. */
    readonly level: AutonomyLevel;
    /** The level for hosts of each group, by group name. */
    readonly byGroup: Readonly<Record<string, AutonomyLevel>>;
    /** The latest recorded dry run of the runbook, on any host. */
    readonly lastDryRun: DryRunRecord | null;
  }[];
  readonly blastRadius: { readonly maxConcurrentHosts: number; readonly maxRunsPerHourPerRunbook: number; readonly maxRunsPerHourPerHost: number };
  readonly maintenanceMode: 'off' | 'only-inside' | 'never-inside';
  /** The maintenance windows (UTC), as in the file. */
  readonly maintenanceWindows?: readonly { readonly days?: readonly number[]; readonly start: string; readonly end: string; readonly groups?: readonly string[] }[];
  /** Each group's members (host ids or hostnames, `*` globs), as in the file. */
  readonly groupMembers?: Readonly<Record<string, readonly string[]>>;
}
