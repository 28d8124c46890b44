/**
 * Rule-based proposals: which runbooks fit an incident, with the params its top causes give. A runbook fits
 * when one of its `remedies` names the series of one of the incident's alerts (prefix match, labels
 * ignored) or the kind of evidence of a cause; params are filled from the cause (pid, start time from the
 * host's process table, process name, filesystem mount, the log file it wrote, the cleanup directory the
 * host's own policy opens on that filesystem). Params no cause can give stay missing and are
 * listed, so the operator (or an agent) completes them; a proposal with none missing can run as it is.
 */
import type { Incident, IncidentCause, Runbook, RunbookProposal } from '@cerebro/shared/api/contract';
import { parseSeriesKey } from '@cerebro/shared/protocol/series';
import { EVENT_EVIDENCE } from '../incidents/causes';
import type { TelemetryView } from './conditions';

export interface Proposal {
  readonly runbookId: string;
  readonly hostId: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Required params (no default) that nothing in the incident gives. */
  readonly missing: readonly string[];
  /** Why it fits, in a sentence. */
  readonly reason: string;
  /**
   * Its `remedies` name one of the incident's own alert series: it treats what alerted, not only something
   * the top cause's evidence shows. Only such proposals may run alone (autonomous.ts): a process whose CPU
   * rose during a log incident is worth a look, not an autonomous stop.
   */
  readonly fitsAlerts: boolean;
}

/** The base of a series key: `fs.used_pct{mount=/}` → `fs.used_pct`. */
function base(key: string): string {
  const i = key.indexOf('{');
  return i < 0 ? key : key.slice(0, i);
}

/** What a cause gives to params named like the shipped runbooks' (pid, startMs, process, service, mount). */
function causeParams(cause: IncidentCause, view: TelemetryView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (cause.kind === 'process' || cause.kind === 'service') {
    out['process'] = cause.name.slice(0, 15);
    // A supervisor's service is most often named after its program; the operator can change it. A process
    // no supervisor runs has no service to restart: that param then stays for the operator.
    if (view.supervisorOf === undefined || view.supervisorOf(cause.hostId, cause.name) !== null) out['service'] = cause.name;
    if (cause.pid !== undefined) {
      const row = view.processes(cause.hostId)?.procs?.find((p) => p.pid === cause.pid);
      if (row) {
        out['pid'] = row.pid;
        out['startMs'] = row.startMs;
      }
    }
  }
  const mount = /^filesystem (\/.*)$/.exec(cause.name)?.[1];
  if (cause.kind === 'resource' && mount) out['mount'] = mount;
  // The log the process wrote the incident's log alerts to: the file a log runbook rotates or truncates.
  if (cause.logFiles?.length === 1) out['path'] = cause.logFiles[0];
  return out;
}

/** The filesystems the incident's alerts name, by their first alert's onset (ties of use go to the earlier). */
function incidentMounts(incident: Incident): string[] {
  const first = new Map<string, number>();
  for (const a of incident.alerts) {
    const m = parseSeriesKey(a.seriesKey)?.labels['mount'];
    if (m !== undefined && !(first.get(m)! <= a.startMs)) first.set(m, a.startMs);
  }
  return [...first.entries()].sort((a, b) => a[1] - b[1]).map(([m]) => m);
}

/**
 * The directory a cleanup runbook may work in on `mount`: the one directory the host's own policy opens
 * to file actions (remediation.allowedDirs, reported in its inventory) that lies on that filesystem. A
 * directory under a deeper mount the host reports (fs.used_pct{mount=…}) is on another filesystem. None,
 * or several: left to the operator. Never the mount point merely because it is one.
 */
function cleanupDir(hostId: string, mount: string, view: TelemetryView): string | undefined {
  const allowed = view.host(hostId)?.inventory?.hostPolicy?.allowedDirs ?? [];
  const within = (dir: string, root: string): boolean => root === '/' || dir === root || dir.startsWith(`${root}/`);
  const onMount = allowed.filter((dir) => {
    if (!within(dir, mount)) return false;
    // Any ancestor of dir deeper than the mount that is itself a mount point puts dir on another filesystem.
    for (let d = dir; d.length > mount.length && d !== '/'; d = d.slice(0, d.lastIndexOf('/')) || '/') {
      if (d !== mount && view.latest(hostId, `fs.used_pct{mount=${d}}`) !== null) return false;
    }
    return true;
  });
  return onMount.length === 1 ? onMount[0] : undefined;
}

/** Proposals for the incident's top cause (what the autonomous path considers). */
export function proposeRunbooks(incident: Incident, runbooks: Iterable<Runbook>, view: TelemetryView): Proposal[] {
  const cause = incident.causes[0];
  return cause ? proposeForCause(incident, cause, runbooks, view) : [];
}

/** Proposals for every ranked cause, by rank (the remediation drawer offers "Fix…" on each cause that has some). */
export function proposeForCauses(incident: Incident, runbooks: Iterable<Runbook>, view: TelemetryView): RunbookProposal[] {
  const list = [...runbooks];
  return incident.causes.flatMap((cause, i) => proposeForCause(incident, cause, list, view).map(({ fitsAlerts: _fits, ...p }) => ({ causeRank: i + 1, ...p })));
}

/**
 * The fault a cause's evidence points at (runbooks name faults in `remedies`): a process whose CPU rose is a
 * CPU hog even when the host's cpu.util_pct did not alert (a machine already busy).
 */
const FAULT_OF_EVIDENCE: Readonly<Record<string, string>> = {
  'proc.cpu_pct': 'cpu-hog',
  'proc.rss_bytes': 'memory-leak',
  // Process events (incidents/process-events.ts) as the ranker names their evidence.
  [EVENT_EVIDENCE.restarts]: 'crash-loop',
  [EVENT_EVIDENCE.exited]: 'server-died',
  [EVENT_EVIDENCE.oomKilled]: 'memory-leak',
};

function proposeForCause(incident: Incident, cause: IncidentCause, runbooks: Iterable<Runbook>, view: TelemetryView): Proposal[] {
  const series = new Set(incident.alerts.map((a) => base(a.seriesKey)));
  const evidence = cause.evidence.map((e) => e.metric);
  const faults = evidence.flatMap((m) => (FAULT_OF_EVIDENCE[m] ? [FAULT_OF_EVIDENCE[m]] : []));
  const given = causeParams(cause, view);
  if (given['mount'] === undefined) {
    // A filling disk whose top cause is not the filesystem (the writing process, the disk below it): the
    // fullest of the filesystems the host lets a cleanup act on (a loop image on / makes both alert, and
    // cleaning the one at 24 % would "verify" without helping); else the only one named.
    const mounts = incidentMounts(incident);
    const used = (m: string): number => view.latest(cause.hostId, `fs.used_pct{mount=${m}}`)?.v ?? -1;
    const actionable = mounts.filter((m) => cleanupDir(cause.hostId, m, view) !== undefined).sort((a, b) => used(b) - used(a))[0];
    const mount = actionable ?? (mounts.length === 1 ? mounts[0] : undefined);
    if (mount !== undefined) given['mount'] = mount;
  }
  const dir = typeof given['mount'] === 'string' ? cleanupDir(cause.hostId, given['mount'], view) : undefined;
  if (dir !== undefined) given['dir'] = dir;
  const out: Proposal[] = [];
  /**
   * Runbooks that fit the cause's own evidence, not only the incident's alerts, are offered first, by the
   * rank of the evidence they fit (the cause's strongest signal first): a leaking process whose CPU also
   * rose (page faults) gets the memory runbook before the CPU one.
   */
  const direct = new Map<string, number>();
  const fitsEvidence = (rb: Runbook, metric: string): boolean => rb.remedies.some((r) => metric.startsWith(r) || FAULT_OF_EVIDENCE[metric] === r);
  for (const rb of runbooks) {
    const bySeries = rb.remedies.find((r) => [...series].some((s) => s === r || s.startsWith(`${r}.`)));
    const byEvidence = rb.remedies.find((r) => evidence.some((m) => m.startsWith(r))) ?? rb.remedies.find((r) => faults.includes(r));
    const hit = bySeries ?? byEvidence;
    if (!hit) continue;
    if (byEvidence) direct.set(rb.id, evidence.findIndex((m) => fitsEvidence(rb, m)));
    const params: Record<string, unknown> = {};
    for (const k of Object.keys(rb.params)) if (given[k] !== undefined) params[k] = given[k];
    const missing = Object.entries(rb.params)
      .filter(([k, p]) => params[k] === undefined && p.default === undefined)
      .map(([k]) => k);
    out.push({ runbookId: rb.id, hostId: cause.hostId, params, missing, reason: `${rb.title}: remedies ${byEvidence ?? hit}; cause ${cause.kind} ${cause.name} on ${cause.host}`, fitsAlerts: bySeries !== undefined });
  }
  // Complete proposals first, then those needing the fewest params; among equals, those fitting the cause itself.
  const rank = (p: Proposal): number => direct.get(p.runbookId) ?? Number.MAX_SAFE_INTEGER;
  return out.sort((a, b) => a.missing.length - b.missing.length || rank(a) - rank(b) || a.runbookId.localeCompare(b.runbookId));
}
