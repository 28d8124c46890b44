import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { filterProcesses, sortProcesses } from './process-rows';

const row = (pid: number, name: string, readBps?: number | null): ProcessRow => ({
  pid, ppid: 1, name, cmd: `/usr/bin/${name}`, user: 'root', state: 'S', cpuPct: pid / 10, rssBytes: 1000 - pid, threads: 1, fds: 3, startMs: 0,
  ...(readBps !== undefined ? { readBps, writeBps: readBps } : {}),
});

test('process rows sort by disk rate, with an unknown rate (null, or absent from an older collector) below 0', () => {
  const rows = [row(1, 'init', 0), row(2, 'old'), row(3, 'db', 5e6), row(4, 'hidden', null), row(5, 'log', 2e3)];
  assert.deepEqual(sortProcesses(rows, { key: 'readBps', dir: 'desc' }).map((p) => p.name), ['db', 'log', 'init', 'old', 'hidden']);
  assert.deepEqual(sortProcesses(rows, { key: 'writeBps', dir: 'asc' }).map((p) => p.name), ['old', 'hidden', 'init', 'log', 'db']);
  assert.deepEqual(sortProcesses(rows, { key: 'name', dir: 'asc' }).map((p) => p.pid), [3, 4, 1, 5, 2]);
  assert.deepEqual(filterProcesses(rows, 'bin/d').map((p) => p.name), ['db']);
});
