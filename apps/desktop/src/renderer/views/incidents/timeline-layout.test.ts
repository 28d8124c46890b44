import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncidentAlertRef } from '@cerebro/shared/api/contract';
import { MIN_BAR_PX, MIN_SPAN_MS, layoutTimeline } from './timeline-layout';

function ref(id: string, startMs: number, o: Partial<IncidentAlertRef> = {}): IncidentAlertRef {
  return { id, hostId: 'h1', seriesKey: 'cpu.util_pct', kind: 'metric', severity: 'warning', state: 'resolved', startMs, endMs: startMs + 60_000, ...o };
}

test('rows follow onset order whatever the input order, ties by id', () => {
  const l = layoutTimeline([ref('c', 300_000), ref('a', 100_000), ref('b2', 200_000), ref('b1', 200_000)], { nowMs: 1_000_000, width: 600 });
  assert.deepEqual(
    l.bars.map((b) => [b.id, b.order, b.row]),
    [
      ['a', 1, 0],
      ['b1', 2, 1],
      ['b2', 3, 2],
      ['c', 4, 3],
    ],
  );
  // x grows with onset; the domain is padded so nothing touches the edges.
  const x0s = l.bars.map((b) => b.x0);
  assert.ok(x0s.every((v, i) => i === 0 || v >= (x0s[i - 1] as number)));
  assert.ok((l.bars[0]?.x0 ?? 0) > 0 && Math.max(...l.bars.map((b) => b.x1)) < 600);
  assert.ok(l.fromMs < 100_000 && l.toMs > 360_000);
});

test('an open alert runs to now; a resolved one to its end; spans map linearly', () => {
  const nowMs = 500_000;
  const l = layoutTimeline([ref('r', 100_000, { endMs: 300_000 }), ref('o', 200_000, { state: 'open', endMs: undefined, severity: 'critical' })], { nowMs, width: 1000 });
  const [r, o] = l.bars;
  assert.ok(r && o);
  assert.equal(r.endMs, 300_000);
  assert.equal(o.endMs, nowMs);
  assert.equal(o.open, true);
  assert.equal(o.severity, 'critical');
  const px = (t: number): number => ((t - l.fromMs) / (l.toMs - l.fromMs)) * 1000;
  assert.ok(Math.abs(r.x0 - px(100_000)) < 1e-9 && Math.abs(r.x1 - px(300_000)) < 1e-9);
  assert.ok(Math.abs(o.x1 - px(nowMs)) < 1e-9);
  // The open one ends at the right edge, less the padding.
  assert.ok(o.x1 > 900 && o.x1 < 1000);
});

test('a short or instant alert still shows: a minimum span and a minimum bar width', () => {
  const l = layoutTimeline([ref('a', 1_000_000, { endMs: 1_000_000 })], { nowMs: 2_000_000, width: 400 });
  assert.ok(l.toMs - l.fromMs >= MIN_SPAN_MS);
  const b = l.bars[0];
  assert.ok(b);
  assert.ok(b.x1 - b.x0 >= MIN_BAR_PX);
  assert.ok(Math.abs(b.x0 - 200) < 1, `centred, got ${b.x0}`);
});

test('beyond maxRows the later alerts are counted, not drawn; no alerts, no bars', () => {
  const many = Array.from({ length: 10 }, (_, i) => ref(`a${i}`, 1000 * (10 - i)));
  const l = layoutTimeline(many, { nowMs: 100_000, width: 300, maxRows: 4 });
  assert.equal(l.bars.length, 4);
  assert.equal(l.hidden, 6);
  assert.deepEqual(
    l.bars.map((b) => b.id),
    ['a9', 'a8', 'a7', 'a6'],
    'the first four to begin',
  );
  const none = layoutTimeline([], { nowMs: 100_000, width: 300 });
  assert.deepEqual([none.bars.length, none.hidden, none.toMs], [0, 0, 100_000]);
});
