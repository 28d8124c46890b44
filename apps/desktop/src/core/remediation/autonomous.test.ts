import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Host, Incident } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { AuditLog } from '../audit/audit-log';
import { AutoRemediator } from './autonomous';
import { RemediationEngine, type CommandSender } from './engine';
import { defaultRunbookDir, loadRunbooks } from './loader';
import { DEFAULT_POLICY, PolicyEngine, type PolicyConfig } from './policy';
import { MemoryRunStore } from './run-store';

const hog: ProcessRow = { pid: 4242, ppid: 1, name: 'burn', cmd: 'burn', user: 'root', state: 'R', cpuPct: 99, rssBytes: 1e6, threads: 1, fds: 3, startMs: 1_700_000_000_123 };

function incident(state: 'open' | 'resolved' = 'open'): Incident {
  return {
    id: 'inc-1',
    state,
    severity: 'critical',
    title: 'cpu',
    openedMs: 1,
    updatedMs: 1,
    alerts: [{ id: 'a1', hostId: 'h1', seriesKey: 'cpu.util_pct', kind: 'metric', severity: 'critical', state: 'open', startMs: 1 }],
    suppressed: { count: 0, alertIds: [] },
    hostIds: ['h1'],
    services: ['burn'],
    causes: [{ kind: 'process', hostId: 'h1', host: 'web-01', name: 'burn', pid: 4242, node: 'proc:h1:4242', score: 1, explanation: 'burn uses 99 % of a core', evidence: [] }],
    causesMs: 1,
    subgraph: { nodes: [], edges: [] },
  };
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, policy: Partial<PolicyConfig>): Promise<{ auto: AutoRemediator; sent: string[]; procs: ProcessRow[]; engine: RemediationEngine }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-auto-'));
  const audit = AuditLog.open(dir);
  t.after(async () => {
    await audit.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const procs = [hog];
  const view = {
    host: (id: string) => (id === 'h1' ? ({ id, hostname: 'web-01', connected: true } as Host) : null),
    latest: () => ({ t: Date.now(), v: 10 }),
    processes: () => ({ ts: Date.now(), procs }),
  };
  const sent: string[] = [];
  // FAKE TRANSPORT (test only): plays the host; SIGTERM removes the process from the view.
  const sender: CommandSender = {
    async send(_h, _k, payload) {
      const { action, params } = payload as { action: string; params: { pid: number } };
      sent.push(action);
      if (params.pid === 5151) return { ok: true, output: { action, status: 'refused', refusal: 'PROCESS_NOT_ALLOWED', message: 'the host keeps its hands off it' } };
      if (action === 'signal-process') procs.splice(procs.findIndex((p) => p.pid === params.pid), 1);
      return { ok: true, output: { status: 'ok', message: 'done' } };
    },
  };
  const lib = loadRunbooks(defaultRunbookDir());
  const pol = new PolicyEngine({ ...DEFAULT_POLICY, requireDryRun: false, ...policy });
  const engine = new RemediationEngine({ runbooks: () => lib.runbooks, policy: pol, sender, view, audit, runs: new MemoryRunStore() });
  return { auto: new AutoRemediator({ engine, policy: pol, runbooks: () => lib.runbooks, view, hostName: () => 'web-01', settleMs: 0 }), sent, procs, engine };
}

test('with a runbook at "autonomous", an incident is remediated without a human, once', async (t) => {
  const { auto, sent, procs } = await setup(t, { levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }] });
  const started = auto.observe(incident());
  assert.ok(started, 'a run started');
  assert.equal(started.run.actor.type, 'policy');
  assert.equal(started.run.incidentId, 'inc-1');
  const end = await started.done;
  assert.equal(end.state, 'succeeded', end.summary);
  assert.deepEqual(sent, ['signal-process']);
  assert.equal(procs.length, 0);
  assert.equal(auto.observe(incident()), null, 'the same runbook is not tried twice on one target for one incident');
});

test('a runbook refused on a wrong first target may still act on the right one once the ranking corrects itself', async (t) => {
  const { auto, sent, procs } = await setup(t, { levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }] });
  // The host refuses to touch this one (its process rule), as it would the console or the collector.
  const other: ProcessRow = { ...hog, pid: 5151, name: 'other', startMs: 1_700_000_000_500 };
  procs.push(other);
  const first = incident();
  const wrong: Incident = { ...first, causes: [{ ...first.causes[0]!, name: 'other', pid: 5151, node: 'proc:h1:5151' }] };
  const a = auto.observe(wrong);
  assert.equal(a?.run.params['pid'], 5151);
  assert.notEqual((await a!.done).state, 'succeeded');
  const b = auto.observe(first);
  assert.equal(b?.run.params['pid'], hog.pid, 'the same runbook, another target');
  assert.equal((await b!.done).state, 'succeeded');
  assert.deepEqual(sent, ['signal-process', 'signal-process']);
  assert.equal(auto.observe(first), null);
});

test('a runbook that succeeded on an incident is not run again there on another target its params now name', async (t) => {
  const base = incident();
  // A filling disk blamed on the disk below: the proposal's mount is the fullest actionable filesystem, which
  // changes once the first is cleaned; the diagnosis did not.
  const fsIncident = (mount: string): Incident => ({ ...base, id: 'inc-fs', alerts: [{ ...base.alerts[0]!, seriesKey: `fs.used_pct{mount=${mount}}` }], causes: [{ ...base.causes[0]!, kind: 'resource', name: 'disk vda', pid: undefined, node: 'host:h1' }] });
  const lib = loadRunbooks(defaultRunbookDir());
  const used: Record<string, number> = { '/': 75, '/data': 93 };
  const view = {
    host: () => ({ id: 'h1', hostname: 'web-01', connected: true, inventory: { hostPolicy: { remediationAllow: null, allowedDirs: ['/data/backups', '/var/tmp'], processes: null, terminals: true } } }) as unknown as Host,
    latest: (_h: string, key: string) => {
      const m = /^fs\.used_pct\{mount=(.*)\}$/.exec(key)?.[1];
      return m !== undefined && used[m] !== undefined ? { t: Date.now(), v: used[m] } : null;
    },
    processes: () => ({ ts: Date.now(), procs: [] }),
  };
  const pol = new PolicyEngine({ ...DEFAULT_POLICY, requireDryRun: false, levels: [{ runbook: 'fs-delete-old-files', group: '*', level: 'autonomous' }] });
  // FAKE HOST (test only): the cleanup frees /data.
  const { engine, sent } = engineOver(t, view, pol, undefined, () => {
    used['/data'] = 12;
  });
  const fsAuto = new AutoRemediator({ engine, policy: pol, runbooks: () => lib.runbooks, view, hostName: () => 'web-01', settleMs: 0 });
  const inc: Incident = { ...fsIncident('/data'), alerts: [{ ...base.alerts[0]!, seriesKey: 'fs.used_pct{mount=/}' }, { ...base.alerts[0]!, id: 'a2', seriesKey: 'fs.used_pct{mount=/data}' }] };
  const first = fsAuto.observe(inc);
  assert.deepEqual(first?.run.params, { mount: '/data', dir: '/data/backups', olderThanMinutes: 1440, pattern: '*', maxUsedPct: 85, minUsedPct: 70 });
  assert.equal((await first?.done)?.state, 'succeeded');
  // Cleaned: now / is the fuller of the two, and full enough for a cleanup (≥ 70 %).
  assert.equal(fsAuto.observe(inc), null, 'same diagnosis, another target: not run again');
  assert.equal(fsAuto.observe({ ...inc, causes: [{ ...inc.causes[0]!, name: 'host web-01', kind: 'host' }] }), null, 'it succeeded on this incident: not again, whatever the ranking says next');
  assert.deepEqual(sent, ['delete-old-files']);
});

test('at the default level nothing runs alone; resolved incidents and the kill switch start nothing', async (t) => {
  const quiet = await setup(t, {});
  assert.equal(quiet.auto.observe(incident()), null);
  assert.equal(quiet.auto.observe(incident('resolved')), null);
  const killed = await setup(t, { levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }], killSwitch: true });
  const r = killed.auto.observe(incident());
  assert.equal(r?.run.state, 'refused');
  assert.equal(r?.run.verdict?.rule, 'KILL_SWITCH');
  assert.deepEqual(killed.sent, []);
});

test('with the dry run required (the default), nothing runs alone until an operator has seen a dry run of the runbook', async (t) => {
  const { auto, sent, engine } = await setup(t, { requireDryRun: true, levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }] });
  const first = auto.observe(incident());
  assert.equal(first?.run.state, 'refused');
  assert.equal(first?.run.verdict?.rule, 'DRY_RUN_REQUIRED');
  assert.match(first?.run.summary ?? '', /^DRY_RUN_REQUIRED: run a dry run of cpu-hog-stop first/);
  assert.deepEqual(sent, []);
  const dry = engine.dryRun({ runbookId: 'cpu-hog-stop', hostId: 'h1', params: { pid: hog.pid, startMs: hog.startMs }, actor: { type: 'operator', name: 'alice' } });
  assert.equal(dry.verdict.allowed, true, dry.verdict.reason);
  assert.deepEqual(sent, [], 'a dry run sends nothing');
  const end = await engine.execute({ runbookId: 'cpu-hog-stop', hostId: 'h1', params: { pid: hog.pid, startMs: hog.startMs }, actor: { type: 'policy', name: 'autonomous' }, incidentId: 'inc-2' }).done;
  assert.equal(end.state, 'succeeded', end.summary);
  assert.deepEqual(sent, ['signal-process']);
});

test('the policy waits for the ranking to settle: a top cause that changes within the settle time is not acted on', async (t) => {
  const { engine, sent } = await setup(t, { levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }] });
  const lib = loadRunbooks(defaultRunbookDir());
  let now = 1_000_000;
  const view = { host: () => ({ id: 'h1', hostname: 'web-01', connected: true }) as Host, latest: () => ({ t: Date.now(), v: 10 }), processes: () => ({ ts: Date.now(), procs: [hog, other] }) };
  const other: ProcessRow = { ...hog, pid: 777, name: 'collector', startMs: 1_700_000_000_999 };
  const pol = new PolicyEngine({ ...DEFAULT_POLICY, requireDryRun: false, levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }] });
  const auto = new AutoRemediator({ engine, policy: pol, runbooks: () => lib.runbooks, view, hostName: () => 'web-01', settleMs: 3_000, now: () => now });
  const first = incident();
  const wrong: Incident = { ...first, causes: [{ ...first.causes[0]!, name: 'collector', pid: 777, node: 'proc:h1:777' }] };
  assert.equal(auto.observe(wrong), null, 'a first ranking is never acted on at once');
  now += 2_000;
  assert.equal(auto.observe(first), null, 'the top cause changed: the wait starts over');
  now += 2_000;
  assert.deepEqual(auto.tick(), [], '2 s of the same top cause: still waiting');
  assert.equal(auto.waiting, 1);
  now += 1_500;
  const started = auto.tick();
  assert.equal(started.length, 1, 'settled for 3.5 s: acted on by the tick, with no new change event');
  assert.equal(started[0]?.run.params['pid'], hog.pid, 'on the settled cause, not the first one');
  assert.equal((await started[0]!.done).state, 'succeeded');
  assert.deepEqual(sent, ['signal-process']);
  assert.deepEqual(auto.tick(), [], 'not twice');
  assert.equal(auto.observe({ ...first, state: 'resolved' }), null);
  assert.equal(auto.waiting, 0, 'a resolved incident is forgotten');
});

test('a runbook that fits only the top cause\'s evidence, not what alerted, is never run alone', async (t) => {
  const { auto, sent } = await setup(t, { levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }] });
  const base = incident();
  // A log incident whose top cause is a process whose CPU rose meanwhile: cpu-hog-stop is proposed (for an
  // operator), but the policy does not stop a process for a log alert.
  const logIncident: Incident = { ...base, id: 'inc-log', alerts: [{ ...base.alerts[0]!, seriesKey: 'log.new{template=ab12}', kind: 'log' }], causes: [{ ...base.causes[0]!, evidence: [{ metric: 'proc.cpu_pct', baseline: 1, peak: 99, onsetMs: 1 }] }] };
  assert.equal(auto.observe(logIncident), null);
  assert.deepEqual(auto.tick(), []);
  assert.deepEqual(sent, []);
});

test('an incident open before the fault: the proposal its new alerts make fit waits its own settle time, and runs on the corrected cause', async (t) => {
  const { engine, sent } = await setup(t, { levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }] });
  const lib = loadRunbooks(defaultRunbookDir());
  let now = 1_000_000;
  // The busy console itself, ranked first for an older anomaly (its own CPU rose before the fault).
  const busy: ProcessRow = { ...hog, pid: 777, name: 'node', startMs: 1_700_000_000_999 };
  const view = { host: () => ({ id: 'h1', hostname: 'web-01', connected: true }) as Host, latest: () => ({ t: Date.now(), v: 10 }), processes: () => ({ ts: Date.now(), procs: [hog, busy] }) };
  const pol = new PolicyEngine({ ...DEFAULT_POLICY, requireDryRun: false, levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }] });
  const auto = new AutoRemediator({ engine, policy: pol, runbooks: () => lib.runbooks, view, hostName: () => 'web-01', settleMs: 3_000, now: () => now });
  const base = incident();
  const onBusy = { ...base.causes[0]!, name: 'node', pid: 777, node: 'proc:h1:777' };
  // Open for iowait for a minute, the busy process its settled top cause: nothing the CPU runbook remedies.
  const before: Incident = { ...base, alerts: [{ ...base.alerts[0]!, seriesKey: 'cpu.iowait_pct' }], causes: [onBusy] };
  assert.equal(auto.observe(before), null);
  now += 60_000;
  assert.deepEqual(auto.tick(), [], 'no fitting proposal: nothing to run');
  // The fault: the CPU alerts join; the old top cause has been settled for a minute, the proposal is new.
  const joined: Incident = { ...before, alerts: [...before.alerts, { ...base.alerts[0]!, id: 'a2' }] };
  assert.equal(auto.observe(joined), null, 'a proposal that just became fitting is not run at once');
  now += 2_000;
  assert.equal(auto.observe({ ...joined, causes: [base.causes[0]!, onBusy] }), null, 'the ranking corrected itself: the new candidate waits its turn');
  now += 2_000;
  assert.deepEqual(auto.tick(), []);
  now += 1_500;
  const started = auto.tick();
  assert.equal(started.length, 1);
  assert.equal(started[0]?.run.params['pid'], hog.pid, 'the hog, never the process ranked first before the fault');
  assert.equal((await started[0]!.done).state, 'succeeded');
  assert.deepEqual(sent, ['signal-process']);
});

/** A real engine over `view` (the setup above plays a host without a policy), with what it would send recorded. */
function engineOver(t: { after: (fn: () => Promise<void>) => void }, view: ConstructorParameters<typeof RemediationEngine>[0]['view'], pol: PolicyEngine, self?: { pid: number; startMs: number }, play?: (action: string) => void): { engine: RemediationEngine; sent: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-auto-'));
  const audit = AuditLog.open(dir);
  t.after(async () => {
    await audit.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const sent: string[] = [];
  // FAKE TRANSPORT (test only): records what would reach the host.
  const sender: CommandSender = {
    async send(_h, _k, payload) {
      sent.push((payload as { action: string }).action);
      play?.((payload as { action: string }).action);
      return { ok: true, output: { status: 'ok', message: 'done' } };
    },
  };
  const lib = loadRunbooks(defaultRunbookDir());
  return { engine: new RemediationEngine({ runbooks: () => lib.runbooks, policy: pol, sender, view, audit, runs: new MemoryRunStore(), ...(self ? { self } : {}) }), sent };
}

test("a candidate the host's policy would refuse is passed over, said once, and left to an operator: nothing is sent or recorded", async (t) => {
  const lib = loadRunbooks(defaultRunbookDir());
  const view = {
    host: () => ({ id: 'h1', hostname: 'web-01', connected: true, inventory: { hostPolicy: { remediationAllow: null, allowedDirs: [], processes: { allow: ['cerebro-*'], deny: [] }, terminals: true } } }) as unknown as Host,
    latest: () => ({ t: Date.now(), v: 10 }),
    processes: () => ({ ts: Date.now(), procs: [hog] }),
  };
  const pol = new PolicyEngine({ ...DEFAULT_POLICY, requireDryRun: false, levels: [{ runbook: 'cpu-hog-stop', group: '*', level: 'autonomous' }] });
  const { engine, sent } = engineOver(t, view, pol);
  const logged: string[] = [];
  const auto = new AutoRemediator({ engine, policy: pol, runbooks: () => lib.runbooks, view, hostName: () => 'web-01', settleMs: 0, log: (_l, m) => logged.push(m) });
  assert.equal(auto.observe(incident()), null);
  assert.deepEqual(auto.tick(), []);
  assert.deepEqual(sent, []);
  assert.deepEqual(engine.list(), [], 'no run recorded: the policy did not propose what the host refuses');
  assert.equal(logged.length, 1, logged.join('\n'));
  assert.match(logged[0]!, /cpu-hog-stop .* not started \(left to an operator\): the host's policy would refuse step stop: signal-process: the host's policy lets the console touch only processes named cerebro-\*; process 4242 is burn/);
});

test("no run signals the console's own process, whoever asks: refused before anything is sent, and foreseen", async (t) => {
  const view = { host: () => ({ id: 'h1', hostname: 'web-01', connected: true }) as Host, latest: () => ({ t: Date.now(), v: 10 }), processes: () => ({ ts: Date.now(), procs: [hog] }) };
  const pol = new PolicyEngine({ ...DEFAULT_POLICY, requireDryRun: false, levels: [{ runbook: '*', group: '*', level: 'one-click' }] });
  // The console is "the hog" here: its pid and its start time (within the clocks' tolerance).
  const { engine, sent } = engineOver(t, view, pol, { pid: hog.pid, startMs: hog.startMs + 400 });
  const params = { pid: hog.pid, startMs: hog.startMs };
  assert.match(engine.foreseenRefusal({ runbookId: 'cpu-hog-stop', hostId: 'h1', params }) ?? '', /^CONSOLE_ITSELF: signal-process names pid 4242, the console's own process/);
  const run = await engine.execute({ runbookId: 'cpu-hog-stop', hostId: 'h1', params, actor: { type: 'operator', name: 'alice' } }).done;
  assert.equal(run.state, 'refused');
  assert.equal(run.verdict?.rule, 'CONSOLE_ITSELF');
  assert.deepEqual(sent, []);
  // The same pid with another start time is another process (a pid reused, or another host's).
  assert.equal(engine.foreseenRefusal({ runbookId: 'cpu-hog-stop', hostId: 'h1', params: { pid: hog.pid, startMs: hog.startMs - 3_600_000 } }), null);
});

/** A host whose policy opens `allowedDirs` and whose filesystems are `used` % full (the test changes it). */
function fsView(used: Record<string, number>, allowedDirs: string[]) {
  return {
    host: () => ({ id: 'h1', hostname: 'web-01', connected: true, inventory: { hostPolicy: { remediationAllow: null, allowedDirs, processes: null, terminals: true } } }) as unknown as Host,
    latest: (_h: string, key: string) => {
      const m = /^fs\.used_pct\{mount=(.*)\}$/.exec(key)?.[1];
      return m !== undefined && used[m] !== undefined ? { t: Date.now(), v: used[m] } : null;
    },
    processes: () => ({ ts: Date.now(), procs: [] }),
  };
}

test('a cleanup waits for its filesystem to be full enough (the precondition), then runs: no refused run meanwhile', async (t) => {
  const base = incident();
  const lib = loadRunbooks(defaultRunbookDir());
  const used: Record<string, number> = { '/data': 50 };
  const view = fsView(used, ['/data/backups']);
  const pol = new PolicyEngine({ ...DEFAULT_POLICY, requireDryRun: false, levels: [{ runbook: 'fs-delete-old-files', group: '*', level: 'autonomous' }] });
  const { engine, sent } = engineOver(t, view, pol);
  const logged: string[] = [];
  const auto = new AutoRemediator({ engine, policy: pol, runbooks: () => lib.runbooks, view, hostName: () => 'web-01', settleMs: 0, log: (_l, m) => logged.push(m) });
  const inc: Incident = { ...base, id: 'inc-fill', alerts: [{ ...base.alerts[0]!, seriesKey: 'fs.used_pct{mount=/data}' }], causes: [{ ...base.causes[0]!, kind: 'resource', name: 'filesystem /data', pid: undefined, node: 'host:h1' }] };
  assert.equal(auto.observe(inc), null, 'half full: nothing to clean yet');
  assert.deepEqual(engine.list(), []);
  assert.match(logged[0] ?? '', /not started \(until its precondition holds\): PRECONDITION: precondition not met: fs\.used_pct\{mount=\/data\}/);
  used['/data'] = 75;
  const started = auto.tick();
  assert.equal(started[0]?.run.runbookId, 'fs-delete-old-files');
  await started[0]?.done;
  assert.deepEqual(sent, ['delete-old-files']);
});

test("a log is truncated only on a filesystem that is filling: during a log storm on a disk with room, the truncate waits", async (t) => {
  const base = incident();
  const lib = loadRunbooks(defaultRunbookDir());
  const used: Record<string, number> = { '/var': 40 };
  const view = fsView(used, ['/var/log']);
  const pol = new PolicyEngine({ ...DEFAULT_POLICY, requireDryRun: false, levels: [{ runbook: 'fs-truncate-log', group: '*', level: 'autonomous' }] });
  const { engine, sent } = engineOver(t, view, pol);
  const logged: string[] = [];
  const auto = new AutoRemediator({ engine, policy: pol, runbooks: () => lib.runbooks, view, hostName: () => 'web-01', settleMs: 0, log: (_l, m) => logged.push(m) });
  // The ledger writes a storm of errors to /var/log/ledger.log; /var's use rose with it (an alert), at 40 %.
  const inc: Incident = {
    ...base,
    id: 'inc-storm',
    alerts: [{ ...base.alerts[0]!, seriesKey: 'fs.used_pct{mount=/var}' }, { ...base.alerts[0]!, id: 'a2', seriesKey: 'log.new{template=ab12}', kind: 'log' }],
    causes: [{ ...base.causes[0]!, kind: 'process', name: 'ledger', pid: 55, logFiles: ['/var/log/ledger.log'] }],
  };
  assert.equal(auto.observe(inc), null, 'the disk has room: the log (the evidence) is kept');
  assert.deepEqual(engine.list(), []);
  assert.match(logged.join('\n'), /fs-truncate-log.*not started \(until its precondition holds\): PRECONDITION: precondition not met: fs\.used_pct\{mount=\/var\}/s);
  used['/var'] = 92;
  const started = auto.tick();
  assert.equal(started[0]?.run.runbookId, 'fs-truncate-log');
  assert.deepEqual(started[0]?.run.params, { mount: '/var', path: '/var/log/ledger.log', minUsedPct: 70, maxUsedPct: 85 });
  await started[0]?.done;
  assert.deepEqual(sent, ['truncate-log']);
});
