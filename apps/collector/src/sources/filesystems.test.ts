import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilesystemsSource, parseMounts, selectMounts, type FsStats } from './filesystems';
import { RecordingOutput, assertNear, fixture, readFixture, testContext } from './test-support';

test('parseMounts decodes octal escapes', () => {
  const m = parseMounts(readFixture('edge/proc/self/mounts'));
  assert.equal(m.length, 13);
  assert.deepEqual(m[9], { device: '/dev/sdb1', mountPoint: '/media/My Disk', fsType: 'vfat' });
});

test('selectMounts drops pseudo filesystems and bind mounts, keeps tmpfs and overlay', () => {
  const picked = selectMounts(parseMounts(readFixture('edge/proc/self/mounts'))).map((m) => m.mountPoint);
  assert.deepEqual(picked.sort(), [
    '/', '/dev/shm', '/media/My Disk', '/mnt/stale', '/run', '/var/lib/docker/overlay2/abc/merged',
  ]);
});

test('selectMounts on this machine keeps / and the tmpfs mounts', () => {
  const picked = selectMounts(parseMounts(readFixture('host/t0/proc/self/mounts'))).map((m) => m.mountPoint);
  assert.deepEqual(picked, ['/dev/shm', '/', '/sys/fs/cgroup']);
});

function fakeStatfs(table: Record<string, FsStats>): (path: string) => FsStats {
  return (path) => {
    const s = table[path];
    if (!s) throw Object.assign(new Error(`ESTALE: stale file handle, statfs '${path}'`), { code: 'ESTALE' });
    return s;
  };
}

test('FilesystemsSource: df arithmetic; unreadable mounts skipped silently', () => {
  const statfs = fakeStatfs({
    // 100 blocks of 4 KiB: 60 used, 40 free of which 30 available (10 reserved for root).
    '/': { bsize: 4096, blocks: 100, bfree: 40, bavail: 30, files: 1000, ffree: 750 },
    '/run': { bsize: 4096, blocks: 10, bfree: 10, bavail: 10, files: 500, ffree: 499 },
    '/media/My Disk': { bsize: 512, blocks: 2000, bfree: 1000, bavail: 1000, files: 0, ffree: 0 },
  });
  const src = new FilesystemsSource(testContext(fixture('edge/proc'), '/nonexistent'), { statfs });
  const out = new RecordingOutput();
  src.collect(out);
  src.close();
  const root = { mount: '/' };
  assert.equal(out.value('fs.size_bytes', root), 409600);
  assert.equal(out.value('fs.used_bytes', root), 60 * 4096);
  assert.equal(out.value('fs.avail_bytes', root), 30 * 4096);
  assertNear(out.value('fs.used_pct', root), (60 / 90) * 100, 'used_pct like df');
  assert.equal(out.value('fs.inodes_used_pct', root), 25);
  assert.equal(out.value('fs.used_pct', { mount: '/run' }), 0);
  assert.equal(out.value('fs.used_pct', { mount: '/media/My Disk' }), 50);
  assert.equal(out.value('fs.inodes_used_pct', { mount: '/media/My Disk' }), undefined, 'vfat has no inodes');
  assert.equal(out.value('fs.size_bytes', { mount: '/mnt/stale' }), undefined);
  assert.deepEqual(out.notices, []);
});

test('FilesystemsSource falls back to <procRoot>/mounts', () => {
  const src = new FilesystemsSource(testContext(fixture('edge/sys'), '/nonexistent'), { statfs: fakeStatfs({}) });
  assert.throws(() => src.collect(new RecordingOutput()), /couldn't read .*edge\/sys\/mounts: ENOENT/);
});
