import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heartbeat } from './heartbeat';

const timing = { idleMs: 2_000, deadAfterMs: 3_000 };

/** Ticks every second from `from` to `to` (inclusive), returning the steps that were not 'wait'. */
function run(hb: Heartbeat, from: number, to: number, onTick: (t: number) => void = () => undefined): string[] {
  const out: string[] = [];
  for (let t = from; t <= to; t += 1000) {
    onTick(t);
    const step = hb.tick(t);
    if (step !== 'wait') out.push(`${step}@${t}`);
  }
  return out;
}

test('a quiet socket is pinged, and declared dead when the ping goes unanswered', () => {
  const hb = new Heartbeat(0, timing);
  assert.deepEqual(run(hb, 1000, 6000), ['ping@2000', 'dead@5000', 'dead@6000']);
});

test('a socket that answers its pings stays alive; messages postpone the ping', () => {
  const hb = new Heartbeat(0, timing);
  const steps: string[] = [];
  for (let t = 1000; t <= 20_000; t += 1000) {
    const step = hb.tick(t);
    if (step !== 'wait') steps.push(step);
    // The console answers each ping 50 ms later.
    if (step === 'ping') hb.received(t + 50);
  }
  assert.ok(steps.length >= 5 && steps.every((s) => s === 'ping'), steps.join(' '));
  const busy = new Heartbeat(0, timing);
  assert.deepEqual(run(busy, 1000, 20_000, (t) => busy.received(t - 500)), [], 'data every second: no ping needed');
});

test('a late tick (a throttled background tab) pings instead of calling a healthy socket dead', () => {
  const hb = new Heartbeat(0, timing);
  assert.equal(hb.tick(60_000), 'ping', 'a minute without a tick: ping first');
  hb.received(60_040);
  assert.equal(hb.tick(120_000), 'ping');
  assert.equal(hb.tick(123_000), 'dead', 'but an unanswered ping still counts');
});
