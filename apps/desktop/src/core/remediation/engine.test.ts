import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Host } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { AuditLog } from '../audit/audit-log';
import type { TelemetryView } from './conditions';
import { RemediationEngine, type CommandSender } from './engine';
import { loadRunbooks } from './loader';
import { DEFAULT_POLICY, PolicyEngine, type PolicyConfig } from './policy';
import { MemoryRunStore } from './run-store';

const op = { type: 'operator', name: 'alice' } as const;
const auto = { type: 'policy', name: 'autonomous' } as const;

function proc(pid: number, name: string, cpuPct: number): ProcessRow {
  return { pid, ppid: 1, name, cmd: name, user: 'root', state: 'R', cpuPct, rssBytes: 1e6, threads: 1, fds: 3, startMs: 1_000 };
}

/** The console's view of a few hosts, held in memory; the fake sender below changes it as a host would. */
class FakeView implements TelemetryView {
  readonly procs = new Map<string, ProcessRow[]>();
  readonly metrics = new Map<string, number>();
  host(hostId: string): Host | null {
    if (!this.procs.has(hostId)) return null;
    return { id: hostId, hostname: `web-${hostId}`, connected: true } as Host;
  }
  latest(hostId: string, key: string): { t: number; v: number } | null {
    const v = this.metrics.get(`${hostId}/${key}`);
    return v === undefined ? null : { t: Date.now(), v };
  }
  processes(hostId: string): { ts: number; procs: readonly ProcessRow[] } | null {
    const procs = this.procs.get(hostId);
    return procs ? { ts: Date.now(), procs } : null;
  }
}

/**
 * FAKE TRANSPORT, for these tests only: stands in for the signed command path (the trust layer's
 * IngestServer.sendCommand) and plays the host: SIGTERM removes the process from the view, renice reports
 * the old nice value. `fixes: false` makes actions succeed without curing anything (verification fails).
 */
class FakeSender implements CommandSender {
  readonly sent: Array<{ hostId: string; action: string; params: Record<string, unknown> }> = [];
  inFlight = 0;
  maxInFlight = 0;
  fixes = true;
  failAction: string | null = null;
  /** A transport refusal code to answer with, as the host's gate would (EXPIRED, BAD_SIGNATURE…). */
  refuseWith: string | null = null;
  readonly heads: unknown[] = [];
  /** The audit head the host says it kept, from the one the command carried (default: none said). */
  keptHead: ((carried: unknown) => unknown) | null = null;
  onSend: (() => void) | null = null;
  /** More details the host reports with an ok step (which process it acted on, say), from what it was sent. */
  reports: ((action: string, params: Record<string, unknown>) => Record<string, unknown>) | null = null;
  constructor(private readonly view: FakeView) {}
  async send(hostId: string, _kind: 'remediation.run', payload: unknown): Promise<{ ok: boolean; output?: unknown }> {
    const { action, params, auditHead } = payload as { action: string; params: Record<string, unknown>; auditHead?: unknown };
    this.sent.push({ hostId, action, params });
    this.heads.push(auditHead);
    if (this.refuseWith) return { ok: false, error: { code: this.refuseWith, message: `the host refused the command: ${this.refuseWith}` } } as { ok: boolean };
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    this.onSend?.();
    await new Promise((r) => setTimeout(r, 10));
    this.inFlight--;
    if (action === this.failAction) return { ok: true, output: { action, status: 'failed', message: `${action} failed on the host`, output: 'boom' } };
    if (action === 'signal-process' && this.fixes) this.view.procs.set(hostId, (this.view.procs.get(hostId) ?? []).filter((p) => p.pid !== params['pid']));
    const details = { ...(action === 'renice-process' ? { previousNice: 0, nice: params['nice'] } : {}), ...this.reports?.(action, params) };
    return { ok: true, output: { action, status: 'ok', message: `${action} done`, output: '', details, ...(this.keptHead ? { keptAuditHead: this.keptHead(auditHead) } : {}) } };
  }
}

const runbooks = {
  'stop.json': {
    id: 'stop',
    title: 'Stop',
    description: 'Stop the hog',
    params: { pid: { type: 'integer', description: 'pid', min: 2 }, startMs: { type: 'integer', description: 'start', default: 1000 } },
    preconditions: [{ kind: 'process', pid: '{{pid}}', expect: 'present' }],
    steps: [{ id: 'stop', action: 'signal-process', params: { pid: '{{pid}}', startMs: '{{startMs}}', signal: 'SIGTERM' } }],
    verification: { all: [{ kind: 'process', pid: '{{pid}}', expect: 'absent' }], withinMs: 1000, pollMs: 100 },
  },
  'renice.json': {
    id: 'renice',
    title: 'Renice',
    description: 'Renice the hog and expect the host to calm down',
    params: { pid: { type: 'integer', description: 'pid', min: 2 } },
    steps: [
      { id: 'renice', action: 'renice-process', params: { pid: '{{pid}}', startMs: 1000, nice: 19 } },
      { id: 'term', action: 'signal-process', params: { pid: '{{pid}}', startMs: 1000, signal: 'SIGCONT' } },
    ],
    verification: { all: [{ kind: 'metric', key: 'cpu.util_pct', op: '<', value: 50 }], withinMs: 1000, pollMs: 100 },
    rollback: [{ id: 'restore', action: 'renice-process', params: { pid: '{{pid}}', startMs: 1000, nice: '{{steps.renice.details.previousNice}}' } }],
  },
  // A later step acts on the process an earlier step's result names: its target is known only as it runs.
  'handoff.json': {
    id: 'handoff',
    title: 'Renice, then stop what the host says it reniced',
    description: 'Deprioritise the hog, then stop the process the host reports',
    params: { pid: { type: 'integer', description: 'pid', min: 2 }, startMs: { type: 'integer', description: 'start', default: 1000 } },
    steps: [
      { id: 'renice', action: 'renice-process', params: { pid: '{{pid}}', startMs: '{{startMs}}', nice: 19 } },
      { id: 'stop', action: 'signal-process', params: { pid: '{{steps.renice.details.pid}}', startMs: '{{steps.renice.details.startMs}}', signal: 'SIGTERM' } },
    ],
    verification: { all: [{ kind: 'process', pid: '{{pid}}', expect: 'absent' }], withinMs: 1000, pollMs: 100 },
  },
};

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, policy: Partial<PolicyConfig> = {}, hosts = 1, log?: (level: string, message: string) => void): Promise<{ engine: RemediationEngine; view: FakeView; sender: FakeSender; audit: AuditLog; policy: PolicyEngine }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-engine-'));
  const rbDir = path.join(dir, 'runbooks');
  fs.mkdirSync(rbDir);
  for (const [name, body] of Object.entries(runbooks)) fs.writeFileSync(path.join(rbDir, name), JSON.stringify(body));
  const lib = loadRunbooks(rbDir);
  assert.deepEqual(lib.errors, []);
  const audit = AuditLog.open(dir);
  t.after(async () => {
    await audit.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const view = new FakeView();
  for (let i = 0; i < hosts; i++) {
    view.procs.set(`h${i}`, [proc(4242, 'hog', 99), proc(1, 'init', 0)]);
    view.metrics.set(`h${i}/cpu.util_pct`, 99);
  }
  const sender = new FakeSender(view);
  // The mandatory dry run has its own tests below; the others start live runs directly.
  const pol = new PolicyEngine({ ...DEFAULT_POLICY, defaultLevel: 'one-click', requireDryRun: false, ...policy });
  const engine = new RemediationEngine({ runbooks: () => lib.runbooks, policy: pol, sender, view, audit, runs: new MemoryRunStore(), ...(log ? { log } : {}) });
  return { engine, view, sender, audit, policy: pol };
}

const kinds = (audit: AuditLog): string[] => audit.list().map((r) => r.kind);

test('a one-click run sends its steps, verifies against telemetry and succeeds; every step is audited', async (t) => {
  const { engine, sender, audit } = await setup(t);
  const { run, done } = engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op });
  assert.equal(run.state, 'running');
  const end = await done;
  assert.equal(end.state, 'succeeded', end.summary);
  assert.deepEqual(sender.sent, [{ hostId: 'h0', action: 'signal-process', params: { pid: 4242, startMs: 1000, signal: 'SIGTERM' } }]);
  assert.equal(end.verification?.ok, true);
  assert.deepEqual(kinds(audit), ['proposal', 'command', 'output', 'verification']);
  assert.equal(audit.list()[0]?.actor.name, 'alice');
  assert.equal(audit.verify().ok, true);
});

test('a failing verification triggers the rollback, which uses what the step reported', async (t) => {
  const { engine, sender, audit } = await setup(t);
  const end = await engine.execute({ runbookId: 'renice', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  assert.equal(end.state, 'rolled-back', end.summary);
  assert.match(end.summary, /verification failed within 1000 ms: cpu\.util_pct is 99 \(needs < 50\)/);
  assert.deepEqual(sender.sent.map((s) => s.action), ['renice-process', 'signal-process', 'renice-process']);
  assert.equal(sender.sent[2]?.params['nice'], 0, 'the rollback restores the previous nice value the step reported');
  assert.equal(end.rollback[0]?.status, 'ok');
  assert.deepEqual(kinds(audit), ['proposal', 'command', 'output', 'command', 'output', 'verification', 'rollback', 'output']);
});

test('a failed step stops the run: no verification, rollback only when an earlier step changed something', async (t) => {
  const { engine, sender } = await setup(t);
  sender.failAction = 'signal-process';
  const end = await engine.execute({ runbookId: 'renice', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  assert.equal(end.state, 'rolled-back');
  assert.match(end.summary, /step term \(signal-process\) failed/);
  const first = await engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  assert.equal(first.state, 'failed');
  assert.equal(first.verification, undefined);
});

test('refusals name their rule and are audited: params, host, precondition, policy level', async (t) => {
  const { engine, audit } = await setup(t, { levels: [{ runbook: 'renice', group: '*', level: 'observe' }] });
  const cases: Array<[Parameters<RemediationEngine['execute']>[0], string, RegExp]> = [
    [{ runbookId: 'stop', hostId: 'h0', params: { pid: 'x' }, actor: op }, 'INVALID_PARAMS', /param "pid" must be an integer/],
    [{ runbookId: 'stop', hostId: 'h0', params: { pid: 4242, bogus: 1 }, actor: op }, 'INVALID_PARAMS', /no param "bogus"/],
    [{ runbookId: 'stop', hostId: 'nope', params: { pid: 4242 }, actor: op }, 'UNKNOWN_HOST', /no host "nope"/],
    [{ runbookId: 'stop', hostId: 'h0', params: { pid: 777 }, actor: op }, 'PRECONDITION', /no process with pid 777 runs/],
    [{ runbookId: 'renice', hostId: 'h0', params: { pid: 4242 }, actor: op }, 'AUTONOMY', /level "observe"/],
    [{ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: auto }, 'AUTONOMY', /may not run it alone/],
    [{ runbookId: 'nope', hostId: 'h0', actor: op }, 'UNKNOWN_RUNBOOK', /no runbook "nope"/],
  ];
  for (const [req, rule, re] of cases) {
    const { run } = engine.execute(req);
    assert.equal(run.state, 'refused');
    assert.equal(run.verdict?.rule, rule, run.summary);
    assert.match(run.summary, re);
    assert.ok(run.summary.startsWith(`${rule}: `));
  }
  const refusals = audit.list().filter((r) => r.kind === 'refusal');
  assert.equal(refusals.length, cases.length);
  assert.deepEqual(refusals.map((r) => (r.payload as { rule: string }).rule), cases.map((c) => c[1]));
});

test('at level "suggest" a run waits for approval, then runs', async (t) => {
  const { engine, audit } = await setup(t, { defaultLevel: 'suggest' });
  const { run } = engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op });
  assert.equal(run.state, 'awaiting-approval');
  const end = await engine.approve(run.id, 'bob').done;
  assert.equal(end.state, 'succeeded');
  const approval = audit.list().find((r) => r.kind === 'approval');
  assert.equal(approval?.actor.name, 'bob');
});

test('the dry run lists exactly the commands a run would send, and changes nothing', async (t) => {
  const { engine, sender, audit } = await setup(t);
  const dry = engine.dryRun({ runbookId: 'renice', hostId: 'h0', params: { pid: 4242 }, actor: op });
  assert.deepEqual(dry.steps.map((s) => [s.action, s.params]), [
    ['renice-process', { pid: 4242, startMs: 1000, nice: 19 }],
    ['signal-process', { pid: 4242, startMs: 1000, signal: 'SIGCONT' }],
  ]);
  assert.equal(dry.verdict.allowed, true);
  assert.equal(sender.sent.length, 0);
  assert.deepEqual(kinds(audit), ['dry-run'], 'the dry run is recorded, nothing else');
  await engine.execute({ runbookId: 'renice', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  assert.deepEqual(sender.sent.slice(0, 2).map((s) => [s.action, s.params]), dry.steps.map((s) => [s.action, s.params]));
});

test('100 concurrent autonomous requests: the blast radius holds and the kill switch stops runs between steps', async (t) => {
  const { engine, sender, policy } = await setup(t, { levels: [{ runbook: '*', group: '*', level: 'autonomous' }], blastRadius: { maxConcurrentHosts: 4, maxRunsPerHourPerRunbook: 50, maxRunsPerHourPerHost: 5 } }, 100);
  const started = Array.from({ length: 100 }, (_, i) => engine.execute({ runbookId: 'stop', hostId: `h${i}`, params: { pid: 4242 }, actor: auto }));
  const ends = await Promise.all(started.map((s) => s.done));
  assert.equal(ends.filter((r) => r.state === 'succeeded').length, 4);
  assert.equal(ends.filter((r) => r.verdict?.rule === 'MAX_CONCURRENT_HOSTS').length, 96);
  assert.ok(sender.maxInFlight <= 4);

  sender.onSend = () => policy.setKillSwitch(true);
  const cut = await engine.execute({ runbookId: 'renice', hostId: 'h50', params: { pid: 4242 }, actor: auto }).done;
  assert.equal(cut.state, 'failed');
  assert.match(cut.summary, /KILL_SWITCH: stopped before step term/);
  assert.equal(engine.execute({ runbookId: 'stop', hostId: 'h51', params: { pid: 4242 }, actor: auto }).run.verdict?.rule, 'KILL_SWITCH');
});

test('a command the host gate refuses (expired, forged, replayed, forbidden) fails the run and is audited as a refusal', async (t) => {
  const { engine, sender, audit } = await setup(t);
  for (const code of ['EXPIRED', 'BAD_SIGNATURE', 'REPLAYED', 'FORBIDDEN_BY_POLICY']) {
    sender.refuseWith = code;
    const end = await engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
    assert.equal(end.state, 'failed');
    assert.match(end.summary, new RegExp(`step stop \\(signal-process\\) ${code}`));
    const last = audit.list().at(-1);
    assert.equal(last?.kind, 'refusal');
    assert.equal((last?.payload as { rule: string }).rule, code);
  }
  assert.equal(audit.verify().ok, true);
});

test('every command carries the signed audit head as it stood when the command was recorded', async (t) => {
  const { engine, sender, audit } = await setup(t);
  await engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  const head = sender.heads[0] as { seq: number; hash: string; sig: string };
  const command = audit.list().find((r) => r.kind === 'command');
  assert.deepEqual([head.seq, head.hash], [command?.seq, command?.hash]);
  assert.match(head.sig, /^[A-Za-z0-9+/]+=*$/);
});

test('the audit head a host kept is read back: a console log that no longer holds it is reported', async (t) => {
  const errors: string[] = [];
  const { engine, sender, audit, view } = await setup(t, {}, 1, (level, m) => level === 'error' && errors.push(m));
  const hogBack = (): void => void view.procs.set('h0', [proc(4242, 'hog', 99)]);
  sender.keptHead = (carried) => carried;
  const ok = await engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  assert.equal(ok.state, 'succeeded');
  assert.deepEqual(errors, [], 'the host kept the head this log holds');
  // The host saw records this log does not have (a cut log), then a head whose hash differs (a rewritten one).
  sender.keptHead = (carried) => ({ ...(carried as object), seq: 999, hash: 'b'.repeat(64) });
  hogBack();
  await engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  assert.match(errors[0] ?? '', /audit log mismatch: host h0 kept the console's signed audit head 999 \(hash bbbbbbbbbbbb…\), but this console's audit log has no record 999: it was cut or rewritten/);
  sender.keptHead = (carried) => ({ ...(carried as object), hash: 'c'.repeat(64) });
  hogBack();
  await engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  assert.match(errors[1] ?? '', /audit head \d+ \(hash cccccccccccc…\), but this console's audit log holds record \d+ with another hash/);
  assert.equal(audit.verify().ok, true);
});

test('a live run needs a dry run first (the default policy): refused naming the rule, and allowed once a dry run was shown', async (t) => {
  const { engine, sender, audit } = await setup(t, { requireDryRun: true });
  const refused = engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op }).run;
  assert.deepEqual([refused.state, refused.verdict?.rule], ['refused', 'DRY_RUN_REQUIRED']);
  assert.match(refused.summary, /^DRY_RUN_REQUIRED: run a dry run of stop first/);
  assert.equal(sender.sent.length, 0);
  const dry = engine.dryRun({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op });
  assert.equal(dry.verdict.allowed, true, 'the verdict shown is the one the next live run gets');
  assert.deepEqual([dry.recorded?.runbookId, dry.recorded?.hostId, dry.recorded?.by], ['stop', 'h0', 'alice']);
  assert.equal(sender.sent.length, 0, 'the dry run sends nothing');
  const end = await engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  assert.equal(end.state, 'succeeded', end.summary);
  assert.deepEqual(kinds(audit), ['proposal', 'refusal', 'dry-run', 'proposal', 'command', 'output', 'verification']);
  // Another runbook still needs its own.
  assert.equal(engine.execute({ runbookId: 'renice', hostId: 'h0', params: { pid: 4242 }, actor: op }).run.verdict?.rule, 'DRY_RUN_REQUIRED');
});

test('requireDryRun "per-host": a dry run on one host does not lift the rule on another', async (t) => {
  const { engine } = await setup(t, { requireDryRun: 'per-host' }, 2);
  engine.dryRun({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op });
  const other = engine.execute({ runbookId: 'stop', hostId: 'h1', params: { pid: 4242 }, actor: op }).run;
  assert.equal(other.verdict?.rule, 'DRY_RUN_REQUIRED');
  assert.match(other.summary, /run a dry run of stop on web-h1 first/);
  assert.equal((await engine.execute({ runbookId: 'stop', hostId: 'h0', params: { pid: 4242 }, actor: op }).done).state, 'succeeded');
});

test("a step whose pid comes from an earlier step's result is checked as it runs: the console's own process is refused there, not sent", async (t) => {
  const { engine, sender, audit } = await setup(t);
  // The engine's default `self`: this process, started (by its own clock) uptime ago.
  const selfStartMs = Math.round(Date.now() - process.uptime() * 1000);
  // The control: the host reports the process it reniced (the hog), and the second step stops it.
  sender.reports = (_action, params) => ({ pid: params['pid'], startMs: params['startMs'] });
  const fine = await engine.execute({ runbookId: 'handoff', hostId: 'h0', params: { pid: 4242 }, actor: op }).done;
  assert.equal(fine.state, 'succeeded', fine.summary);
  assert.deepEqual(sender.sent.map((s) => [s.action, s.params['pid']]), [['renice-process', 4242], ['signal-process', 4242]]);

  // Now the first step's result names the console's own process (pid and start time). Nothing up front can
  // know it (the placeholder has no value before the run): no foreseen refusal, and the run starts.
  sender.sent.length = 0;
  sender.reports = () => ({ pid: process.pid, startMs: selfStartMs });
  assert.equal(engine.foreseenRefusal({ runbookId: 'handoff', hostId: 'h0', params: { pid: 4242 } }), null);
  const started = engine.execute({ runbookId: 'handoff', hostId: 'h0', params: { pid: 4242 }, actor: op });
  assert.equal(started.run.state, 'running');
  const end = await started.done;
  assert.equal(end.state, 'failed');
  assert.deepEqual(sender.sent.map((s) => s.action), ['renice-process'], 'the stop step was never sent');
  const stop = end.steps[1];
  assert.equal(stop?.status, 'refused');
  assert.equal(stop?.message, `CONSOLE_ITSELF: signal-process names pid ${process.pid}, the console's own process; not sent`);
  assert.deepEqual(stop?.params, { pid: process.pid, startMs: selfStartMs, signal: 'SIGTERM' }, 'the step as it would have been sent');
  assert.match(end.summary, /^step stop \(signal-process\) refused: CONSOLE_ITSELF/);
  assert.equal(end.verification, undefined, 'no verification after a refused step');
  const commands = audit.list().filter((r) => r.kind === 'command' && (r.payload as { run: string }).run === end.id);
  assert.deepEqual(commands.map((r) => (r.payload as { step: string }).step), ['renice']);
  const refusals = audit.list().filter((r) => r.kind === 'refusal' && (r.payload as { run: string }).run === end.id);
  assert.deepEqual(refusals.map((r) => [(r.payload as { step: string }).step, (r.payload as { rule: string }).rule]), [['stop', 'CONSOLE_ITSELF']], 'the refusal is in the audit trail');
});
