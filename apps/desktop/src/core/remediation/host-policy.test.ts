import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostPolicySummary, ProcessRow } from '@cerebro/shared/protocol/messages';
import { hostPolicyChecks } from './host-policy';

const row = (pid: number, name: string): ProcessRow => ({ pid, ppid: 1, name, cmd: name, user: 'root', state: 'S', cpuPct: 0, rssBytes: 1, threads: 1, fds: 1, startMs: 1 });
const policy: HostPolicySummary = { remediationAllow: ['signal-process', 'delete-old-files', 'restart-service'], allowedDirs: ['/data/backups'], processes: { allow: ['app-*'], deny: ['app-db'] }, terminals: true };

test("the dry run reads each step against the host's reported policy: action, directory, process name", () => {
  const procs = [row(10, 'app-web'), row(11, 'app-db'), row(12, 'sshd')];
  const checks = hostPolicyChecks(
    [
      { id: 'a', action: 'signal-process', params: { pid: 10 } },
      { id: 'b', action: 'signal-process', params: { pid: 11 } },
      { id: 'c', action: 'signal-process', params: { pid: 12 } },
      { id: 'd', action: 'delete-old-files', params: { dir: '/data/backups/old' } },
      { id: 'e', action: 'delete-old-files', params: { dir: '/data/backupsX' } },
      { id: 'f', action: 'drop-caches', params: {} },
      { id: 'g', action: 'signal-process', params: { pid: 99 } },
    ],
    policy,
    procs,
  );
  assert.deepEqual(checks?.map((c) => c.ok), [true, false, false, true, false, false, true]);
  assert.match(checks![1]!.detail, /forbids touching processes named "app-db"/);
  assert.match(checks![2]!.detail, /only processes named app-\*; process 12 is sshd/);
  assert.match(checks![4]!.detail, /\/data\/backupsX is outside the directories/);
  assert.match(checks![5]!.detail, /allows only signal-process, delete-old-files, restart-service/);
  assert.match(checks![6]!.detail, /not in the latest process table; the host checks its name/);
  assert.equal(hostPolicyChecks([{ id: 'a', action: 'drop-caches', params: {} }], undefined, procs), null, 'no report: nothing claimed');
});
