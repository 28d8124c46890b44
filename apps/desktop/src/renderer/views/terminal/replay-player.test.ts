import assert from 'node:assert/strict';
import { test } from 'node:test';
import { castEvents, ReplayPlayer, type ReplayClock, type ReplayState } from './replay-player';

/** A clock whose time moves only when the test says so. */
function fakeClock(): ReplayClock & { advance(ms: number): void } {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let ids = 0;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.push({ at: now + ms, fn, id: ++ids });
      return ids;
    },
    clearTimeout: (h) => {
      timers = timers.filter((t) => t.id !== h);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
  };
}

function player(opts: { maxGapS?: number } = {}): { p: ReplayPlayer; clock: ReturnType<typeof fakeClock>; out: () => string; states: ReplayState[]; lows: number[] } {
  const clock = fakeClock();
  let text = '';
  const states: ReplayState[] = [];
  const lows: number[] = [];
  const p = new ReplayPlayer({ write: (d) => (text += d), onState: (s) => states.push(s), onLow: () => lows.push(clock.now()), clock, ...opts });
  return { p, clock, out: () => text, states, lows };
}

test('castEvents reads the output events of a page, skipping the header, input, resizes and a cut line', () => {
  const cast = ['{"version":2,"width":80,"height":24,"timestamp":1}', '[0.1,"o","a"]', '[0.2,"i","ls"]', '[0.3,"r","100x30"]', '[0.4,"o","b"]', '[0.5,"o","c'].join('\n');
  assert.deepEqual(castEvents(cast), [
    { t: 0.1, data: 'a' },
    { t: 0.4, data: 'b' },
  ]);
});

test('events are written after their recorded delays, idle gaps capped at 2 s', () => {
  const { p, clock, out } = player();
  p.append([{ t: 0, data: 'a' }, { t: 1, data: 'b' }, { t: 3601, data: 'c' }, { t: 3601.5, data: 'd' }], true);
  p.play();
  assert.equal(out(), 'a', 'the first event at once');
  clock.advance(990);
  assert.equal(out(), 'a');
  clock.advance(20);
  assert.equal(out(), 'ab');
  clock.advance(1980);
  assert.equal(out(), 'ab', 'the hour of idling is 2 s');
  clock.advance(30);
  assert.equal(out(), 'abc');
  clock.advance(500);
  assert.equal(out(), 'abcd');
  assert.equal(p.state.done, true);
  assert.equal(p.state.playing, false);
  assert.equal(p.state.duration, 3.5);
  assert.equal(p.state.position, 3.5);
});

test('pause holds the replay where it is, play goes on with the rest of the gap; speed scales the delays', () => {
  const { p, clock, out } = player();
  p.append([{ t: 0, data: 'a' }, { t: 2, data: 'b' }, { t: 4, data: 'c' }], true);
  p.play();
  clock.advance(1500);
  p.pause();
  clock.advance(60_000);
  assert.equal(out(), 'a', 'nothing is written while paused');
  assert.equal(p.state.playing, false);
  p.play();
  clock.advance(490);
  assert.equal(out(), 'a');
  clock.advance(20);
  assert.equal(out(), 'ab', 'the remaining 0.5 s of the gap');
  p.setSpeed(4);
  clock.advance(510);
  assert.equal(out(), 'abc', '2 s at 4× is 0.5 s');
});

test('a burst of events is written in one go; pages are asked for before the player runs out, and skip to end writes everything', () => {
  const { p, clock, out, lows } = player();
  const burst = Array.from({ length: 3000 }, (_, i) => ({ t: i * 0.0001, data: 'x' }));
  p.append(burst, false);
  assert.equal(lows.length, 0, 'enough events ahead');
  p.play();
  clock.advance(150);
  const half = out().length;
  assert.ok(half > 1000 && half < 2000, `half the burst (0.3 s in all, 0.1 ms apart) after 0.15 s (${half})`);
  clock.advance(160);
  assert.equal(out().length, 3000);
  assert.ok(lows.length >= 1, 'more is asked for');
  assert.equal(p.state.waiting, true);
  p.append([{ t: 10, data: 'y' }], false);
  clock.advance(2001);
  assert.equal(out().slice(-1), 'y');
  p.skipToEnd();
  p.append([{ t: 100, data: 'z' }], true);
  assert.equal(out().slice(-2), 'yz', 'pages after skip to end are written at once');
  assert.equal(p.state.done, true);
});
