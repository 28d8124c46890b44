import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStart, statedBySupervisor, supervisorLine } from './supervisor-lines';

test('supervisord\'s process lines name the program and what happened to it', () => {
  // Lines as supervisord 4.2 (Debian's) writes them to its log.
  assert.deepEqual(supervisorLine("2026-11-26 05:50:01,123 INFO spawned: 'cerebro-pay' with pid 4242"), { program: 'cerebro-pay', event: 'spawned', pid: 4242 });
  assert.deepEqual(supervisorLine('2026-11-26 05:50:01,180 INFO exited: cerebro-pay (exit status 1; not expected)'), { program: 'cerebro-pay', event: 'exited', unexpected: true });
  assert.deepEqual(supervisorLine('2026-11-26 05:50:01,180 INFO exited: cerebro-pay (exit status 0; expected)'), { program: 'cerebro-pay', event: 'exited', unexpected: false });
  assert.deepEqual(supervisorLine('2026-11-26 05:50:01,180 WARN exited: cerebro-srv (terminated by SIGKILL; not expected)'), { program: 'cerebro-srv', event: 'exited', unexpected: true });
  assert.deepEqual(supervisorLine('2026-11-26 05:50:09,001 INFO stopped: cerebro-leak (terminated by SIGTERM)'), { program: 'cerebro-leak', event: 'stopped' });
  assert.deepEqual(supervisorLine('2026-11-26 05:50:09,001 INFO gave up: payments entered FATAL state, too many start retries too quickly'), { program: 'payments', event: 'fatal' });
  assert.deepEqual(supervisorLine('2026-11-26 05:50:10,002 INFO success: payments entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)'), { program: 'payments', event: 'running' });
  assert.equal(isStart(supervisorLine("INFO spawned: 'x' with pid 1")!), true);
  assert.equal(isStart(supervisorLine('INFO exited: x (exit status 1; not expected)')!), false);
});

test('systemd\'s unit lines name the unit; other lines are null', () => {
  assert.deepEqual(supervisorLine('payments.service: Scheduled restart job, restart counter is at 5.'), { program: 'payments', event: 'restart' });
  assert.deepEqual(supervisorLine('payments.service: Main process exited, code=exited, status=1/FAILURE'), { program: 'payments', event: 'exited', unexpected: true });
  assert.deepEqual(supervisorLine('payments.service: Main process exited, code=exited, status=0/SUCCESS'), { program: 'payments', event: 'exited', unexpected: false });
  assert.deepEqual(supervisorLine("worker@2.service: Failed with result 'exit-code'."), { program: 'worker@2', event: 'exited', unexpected: true });
  assert.equal(isStart(supervisorLine('payments.service: Scheduled restart job, restart counter is at 5.')!), true);
  for (const msg of ['ERROR payments: config invalid, exiting', 'Started payments.service - Payments.', 'INFO RPC interface \'supervisor\' initialized', '']) assert.equal(supervisorLine(msg), null, msg);
});

test('a line counts as a supervisor\'s when a supervisor wrote it, or when its writer is unknown and it reads as one; never when another process wrote it', () => {
  const sups = ['supervisord', 'systemd'];
  const stopped = '2026-11-26 08:18:55,953 WARN stopped: payments (terminated by SIGTERM)';
  assert.deepEqual(statedBySupervisor('supervisord', stopped, sups), { program: 'payments', event: 'stopped' });
  assert.deepEqual(statedBySupervisor(undefined, stopped, sups), { program: 'payments', event: 'stopped' });
  // The program itself (or anything else) printing the same words is not its supervisor speaking.
  assert.equal(statedBySupervisor('payments', stopped, sups), null);
  // A supervisor's line in no supervisor format states nothing.
  assert.equal(statedBySupervisor('supervisord', 'INFO RPC interface initialized', sups), null);
});
