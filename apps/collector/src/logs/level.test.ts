import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLevel } from './level';

test('levels from words near the start, key=value, JSON, syslog priority and glog letters', () => {
  const cases: Array<[string, string]> = [
    ['2024-11-10 12:00:00 ERROR [main] connection refused', 'error'],
    ['2024-11-10 12:00:00,123 [worker-1] WARN  c.e.Pool - slow', 'warn'],
    ['[2024-11-10T12:00:00Z] [error] upstream timed out', 'error'],
    ['E: cannot open', 'unknown'],
    ['Nov 10 12:00:00 host sshd[42]: error: PAM: Authentication failure', 'error'],
    ['12:00:00 Warning: disk almost full', 'warn'],
    ['FATAL: the database system is shutting down', 'fatal'],
    ['CRIT kernel panic', 'fatal'],
    ['info: started', 'info'],
    ['DEBUG cache miss', 'debug'],
    ['TRACE enter foo()', 'trace'],
    ['ts=2024-11-10T12:00:00Z level=error msg="boom"', 'error'],
    ['time="x" level=warning msg="slow"', 'warn'],
    ['{"ts":1,"level":"error","msg":"boom"}', 'error'],
    ['{"severity":"INFO","message":"ok"}', 'info'],
    ['<3>kernel: oops', 'error'],
    ['<14>app: hello', 'info'],
    ['<12>app: careful', 'warn'],
    ['E1110 12:00:00.123456  1 reflector.go:1] failed', 'error'],
    ['W1110 12:00:00.123456  1 x.go:1] hmm', 'warn'],
    ['GET /index.html 200 12ms', 'unknown'],
    ['ErrorHandler registered for /errors', 'unknown'],
    ['loaded info.txt', 'unknown'],
    ['', 'unknown'],
  ];
  for (const [line, level] of cases) assert.equal(detectLevel(line), level, line);
});

test('a level word far into the line does not count', () => {
  assert.equal(detectLevel(`${'x'.repeat(200)} ERROR`), 'unknown');
});
