import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_POLICY, loadPolicyConfig, parsePolicyConfig, PolicyConfigError, PolicyEngine, type PolicyConfig } from './policy';

const op = { type: 'operator', name: 'alice' } as const;
const auto = { type: 'policy', name: 'autonomous' } as const;
const web1 = { id: 'h-web1', hostname: 'web-01' };
const db1 = { id: 'h-db1', hostname: 'db-01' };

function config(over: Partial<PolicyConfig> = {}): PolicyConfig {
  return {
    ...DEFAULT_POLICY,
    // The dry-run rule has its own test below; these are about the other rules.
    requireDryRun: false,
    groups: { web: ['web-*'], db: ['db-*'] },
    levels: [
      { runbook: '*', group: 'web', level: 'one-click' },
      { runbook: 'cpu-hog-stop', group: 'web', level: 'autonomous' },
      { runbook: '*', group: 'db', level: 'observe' },
    ],
    ...over,
  };
}

test('autonomy level: the most specific entry wins, and each level allows what it says', () => {
  const p = new PolicyEngine(config());
  assert.equal(p.levelFor('cpu-hog-stop', web1), 'autonomous');
  assert.equal(p.levelFor('memory-leak-restart', web1), 'one-click');
  assert.equal(p.levelFor('cpu-hog-stop', db1), 'observe');
  assert.equal(p.levelFor('cpu-hog-stop', { id: 'x', hostname: 'other' }), 'suggest');
  assert.equal(p.evaluate({ runbookId: 'cpu-hog-stop', host: web1, actor: auto }).allowed, true);
  const notAuto = p.evaluate({ runbookId: 'memory-leak-restart', host: web1, actor: auto });
  assert.deepEqual([notAuto.allowed, notAuto.rule], [false, 'AUTONOMY']);
  assert.match(notAuto.reason, /^AUTONOMY: .*level "one-click"/);
  assert.equal(p.evaluate({ runbookId: 'memory-leak-restart', host: web1, actor: op }).allowed, true);
  const observed = p.evaluate({ runbookId: 'cpu-hog-stop', host: db1, actor: op });
  assert.deepEqual([observed.allowed, observed.rule], [false, 'AUTONOMY']);
});

test('the kill switch stops autonomous runs (not an operator) and is persisted', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-policy-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'remediation-policy.json');
  fs.writeFileSync(file, JSON.stringify(config()));
  const p = new PolicyEngine(loadPolicyConfig(file), { file });
  p.setKillSwitch(true);
  const v = p.admit({ runbookId: 'cpu-hog-stop', host: web1, actor: auto }).verdict;
  assert.deepEqual([v.allowed, v.rule], [false, 'KILL_SWITCH']);
  assert.equal(p.evaluate({ runbookId: 'cpu-hog-stop', host: web1, actor: op }).allowed, true);
  assert.equal(loadPolicyConfig(file).killSwitch, true, 'a restarted console keeps the switch on');
  p.setKillSwitch(false);
  assert.equal(p.evaluate({ runbookId: 'cpu-hog-stop', host: web1, actor: auto }).allowed, true);
});

test('maintenance windows (UTC, over midnight) gate autonomous runs only', () => {
  let now = Date.UTC(2026, 10, 25, 2, 30); // a Wednesday, 02:30
  const windows = [{ start: '23:00', end: '04:00', days: [2] }]; // Tuesday night into Wednesday
  const p = new PolicyEngine(config({ maintenance: { mode: 'only-inside', windows } }), { now: () => now });
  assert.equal(p.evaluate({ runbookId: 'cpu-hog-stop', host: web1, actor: auto }).allowed, true);
  now = Date.UTC(2026, 10, 25, 12, 0);
  const v = p.evaluate({ runbookId: 'cpu-hog-stop', host: web1, actor: auto });
  assert.deepEqual([v.allowed, v.rule], [false, 'MAINTENANCE_WINDOW']);
  assert.equal(p.evaluate({ runbookId: 'cpu-hog-stop', host: web1, actor: op }).allowed, true);
  const freeze = new PolicyEngine(config({ maintenance: { mode: 'never-inside', windows: [{ start: '11:00', end: '13:00' }] } }), { now: () => now });
  assert.equal(freeze.evaluate({ runbookId: 'cpu-hog-stop', host: web1, actor: auto }).rule, 'MAINTENANCE_WINDOW');
});

test('blast radius holds under a burst of 100 concurrent requests', async () => {
  const p = new PolicyEngine(config({ levels: [{ runbook: '*', group: '*', level: 'autonomous' }], blastRadius: { maxConcurrentHosts: 3, maxRunsPerHourPerRunbook: 10, maxRunsPerHourPerHost: 2 } }));
  const hosts = Array.from({ length: 100 }, (_, i) => ({ id: `h${i}`, hostname: `web-${i}` }));
  let inFlight = 0;
  let maxInFlight = 0;
  let admittedTotal = 0;
  const refusedBy = new Map<string, number>();
  const burst = (pick: (i: number) => { id: string; hostname: string }): Promise<void[]> =>
    Promise.all(
      hosts.map(async (_h, i) => {
        await Promise.resolve();
        const a = p.admit({ runbookId: 'cpu-hog-stop', host: pick(i), actor: auto });
        if (!a.verdict.allowed) {
          refusedBy.set(a.verdict.rule as string, (refusedBy.get(a.verdict.rule as string) ?? 0) + 1);
          return;
        }
        admittedTotal++;
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
        inFlight--;
        a.release();
      }),
    );
  await burst((i) => hosts[i] as { id: string; hostname: string });
  assert.equal(maxInFlight, 3);
  assert.equal(admittedTotal, 3);
  assert.equal(refusedBy.get('MAX_CONCURRENT_HOSTS'), 97);
  // Waves until the hourly limit of the runbook is spent: 3 + 3 + 3 + 1, then none.
  for (let i = 0; i < 4; i++) await burst((j) => hosts[j] as { id: string; hostname: string });
  assert.equal(admittedTotal, 10);
  assert.ok((refusedBy.get('RATE_RUNBOOK') ?? 0) >= 100, 'the fifth wave is refused entirely by the runbook rate');
  assert.equal(maxInFlight, 3);

  // One host, 100 requests at once: one runs, the rest are refused as busy; then the host's hourly rate.
  const q = new PolicyEngine(config({ levels: [{ runbook: '*', group: '*', level: 'autonomous' }], blastRadius: { maxConcurrentHosts: 50, maxRunsPerHourPerRunbook: 1000, maxRunsPerHourPerHost: 2 } }));
  const results = await Promise.all(Array.from({ length: 100 }, async () => q.admit({ runbookId: 'r', host: web1, actor: auto })));
  assert.equal(results.filter((r) => r.verdict.allowed).length, 1);
  assert.equal(results.filter((r) => r.verdict.rule === 'HOST_BUSY').length, 99);
  for (const r of results) r.release();
  assert.equal(q.admit({ runbookId: 'r', host: web1, actor: auto }).verdict.allowed, true);
  q.admit({ runbookId: 'r', host: db1, actor: auto }).release();
  const third = q.evaluate({ runbookId: 'r', host: web1, actor: auto });
  assert.equal(third.rule, 'HOST_BUSY');
});

test('the per-host hourly limit counts runs in the last hour only', () => {
  let now = 1_000_000_000;
  const p = new PolicyEngine(config({ levels: [{ runbook: '*', group: '*', level: 'autonomous' }], blastRadius: { maxConcurrentHosts: 5, maxRunsPerHourPerRunbook: 100, maxRunsPerHourPerHost: 2 } }), { now: () => now });
  p.admit({ runbookId: 'a', host: web1, actor: auto }).release();
  now += 60_000;
  p.admit({ runbookId: 'b', host: web1, actor: auto }).release();
  const v = p.evaluate({ runbookId: 'c', host: web1, actor: auto });
  assert.deepEqual([v.allowed, v.rule], [false, 'RATE_HOST']);
  assert.match(v.reason, /had 2 runs in the last hour; the limit is 2/);
  now += 3_600_000;
  assert.equal(p.evaluate({ runbookId: 'c', host: web1, actor: auto }).allowed, true);
});

test('a bad policy file is an error naming the file and the field', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ defaultLevel: 'yolo' }, /p\.json: defaultLevel: must be one of observe, suggest, one-click, autonomous/],
    [{ levels: [{ group: 'nope', level: 'observe' }] }, /p\.json: levels\[0\]\.group: names no group/],
    [{ blastRadius: { maxConcurrentHosts: -1 } }, /p\.json: blastRadius\.maxConcurrentHosts: must be an integer/],
    [{ maintenance: { mode: 'only-inside', windows: [{ start: '25:00', end: '01:00' }] } }, /p\.json: maintenance\.windows\[0\]\.start: must be "HH:MM"/],
    [{ killswitch: true }, /p\.json: killswitch: unknown field/],
  ];
  for (const [json, re] of bad) assert.throws(() => parsePolicyConfig(json, 'p.json'), (e: unknown) => e instanceof PolicyConfigError && re.test(e.message));
});

test('the dry-run rule: on by default, per runbook version; "per-host" and false as configured', () => {
  assert.equal(DEFAULT_POLICY.requireDryRun, true);
  const p = new PolicyEngine(config({ requireDryRun: true }));
  const req = { runbookId: 'memory-leak-restart', host: web1, actor: op, fingerprint: 'v1' };
  const before = p.evaluate(req);
  assert.deepEqual([before.allowed, before.rule], [false, 'DRY_RUN_REQUIRED']);
  assert.match(before.reason, /^DRY_RUN_REQUIRED: run a dry run of memory-leak-restart first/);
  p.recordDryRun({ runbookId: 'memory-leak-restart', hostId: 'h-other', atMs: 1, by: 'alice', fingerprint: 'v1' });
  assert.equal(p.evaluate(req).allowed, true, 'a dry run on any host counts by default');
  const edited = p.evaluate({ ...req, fingerprint: 'v2' });
  assert.equal(edited.rule, 'DRY_RUN_REQUIRED');
  assert.match(edited.reason, /again first: the runbook changed since its last dry run/);
  const perHost = new PolicyEngine(config({ requireDryRun: 'per-host' }));
  perHost.recordDryRun({ runbookId: 'memory-leak-restart', hostId: 'h-other', atMs: 1, by: 'alice', fingerprint: 'v1' });
  assert.match(perHost.evaluate(req).reason, /run a dry run of memory-leak-restart on web-01 first/);
  perHost.recordDryRun({ runbookId: 'memory-leak-restart', hostId: web1.id, atMs: 2, by: 'alice', fingerprint: 'v1' });
  assert.equal(perHost.evaluate(req).allowed, true);
  assert.equal(new PolicyEngine(config({ requireDryRun: false })).evaluate(req).allowed, true);
  // The rule comes after the level: an "observe" runbook is refused for that, whatever the dry runs.
  assert.equal(p.evaluate({ ...req, runbookId: 'cpu-hog-stop', host: db1 }).rule, 'AUTONOMY');
  assert.equal(parsePolicyConfig({ requireDryRun: 'per-host' }, 'f.json').requireDryRun, 'per-host');
  assert.equal(parsePolicyConfig({}, 'f.json').requireDryRun, true);
  assert.throws(() => parsePolicyConfig({ requireDryRun: 'yes' }, 'f.json'), /f\.json: requireDryRun: must be true, false or "per-host", got "yes"/);
});
