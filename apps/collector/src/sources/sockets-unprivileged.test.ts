import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { SocketRow } from '@cerebro/shared/protocol/messages';

const CHILD = fileURLToPath(new URL('./sockets-unprivileged.child.ts', import.meta.url));

function whyNotRunnable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to switch to user nobody';
  if (spawnSync('setpriv', ['--version']).error) return 'setpriv (util-linux) is not installed';
  if (spawnSync('id', ['-u', 'nobody']).status !== 0) return 'there is no user nobody';
  return undefined;
}

const skip = whyNotRunnable();

test('as user nobody: root-owned sockets are listed with hidden owners and one notice', { skip }, async () => {
  // A root-owned listener the child must see but not attribute.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const rootPort = (server.address() as AddressInfo).port;
  try {
    const group = spawnSync('getent', ['group', 'nogroup']).status === 0 ? 'nogroup' : 'nobody';
    const stdout = execFileSync('setpriv', [
      '--reuid=nobody', `--regid=${group}`, '--clear-groups', process.execPath, '--import', 'tsx', CHILD,
    ], { encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(stdout) as { pid: number; uid: number; ownPort: number; notices: string[]; sockets: SocketRow[] };
    assert.notEqual(r.uid, 0, 'the child really dropped root');
    const rootListener = r.sockets.find((s) => s.state === 'LISTEN' && s.localPort === rootPort);
    assert.deepEqual([rootListener?.pid, rootListener?.process], [null, null], 'root listener listed, owner hidden');
    const own = r.sockets.find((s) => s.state === 'LISTEN' && s.localPort === r.ownPort);
    assert.equal(own?.pid, r.pid, "the child's own socket is attributed to it");
    assert.equal(r.notices.length, 1, `exactly one notice over three scans, got ${JSON.stringify(r.notices)}`);
    const hidden = r.sockets.filter((s) => s.pid === null && s.inode !== 0).length;
    assert.equal(r.notices[0], `owners of ${hidden} socket${hidden === 1 ? '' : 's'} are hidden: the collector may not read other processes' /proc/<pid>/fd; run as root or grant CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE`);
  } finally {
    server.close();
  }
});
