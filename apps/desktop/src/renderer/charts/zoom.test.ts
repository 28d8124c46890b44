import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeLabel } from './draw';
import { MIN_ZOOM_MS, fmtZoom, pixelToTime, queryPoints, sameZoom, timeToPixel, zoomFromPixels } from './zoom';

const plot = { left: 64, width: 600 };
const FROM = 1_000_000;
const TO = FROM + 15 * 60_000;

test('pixels map to times across the plot and back; outside the plot they clamp to its ends', () => {
  assert.equal(pixelToTime(64, FROM, TO, plot), FROM);
  assert.equal(pixelToTime(364, FROM, TO, plot), FROM + 7.5 * 60_000);
  assert.equal(pixelToTime(664, FROM, TO, plot), TO);
  assert.equal(pixelToTime(0, FROM, TO, plot), FROM, 'the axis labels left of the plot');
  assert.equal(pixelToTime(900, FROM, TO, plot), TO);
  assert.equal(timeToPixel(pixelToTime(250, FROM, TO, plot), FROM, TO, plot), 250);
});

test('a drag selects the window under it, in either direction, at one point per plot pixel', () => {
  const w = zoomFromPixels(364, 214, FROM, TO, plot);
  assert.deepEqual(w, { fromMs: FROM + 3.75 * 60_000, toMs: FROM + 7.5 * 60_000, points: 600 });
  assert.deepEqual(zoomFromPixels(214, 364, FROM, TO, plot), w);
  const clamped = zoomFromPixels(10, 2_000, FROM, TO, plot);
  assert.deepEqual([clamped?.fromMs, clamped?.toMs], [FROM, TO]);
});

test('a click, a tiny drag or a window narrower than the minimum does not zoom', () => {
  assert.equal(zoomFromPixels(300, 302, FROM, TO, plot), null);
  // 20 s shown over 600 px: 100 px is 3.3 s, under MIN_ZOOM_MS.
  assert.equal(zoomFromPixels(100, 200, FROM, FROM + 20_000, plot), null);
  assert.ok(MIN_ZOOM_MS > 20_000 / 6);
  assert.equal(zoomFromPixels(100, 400, FROM, FROM, plot), null, 'an empty domain');
});

test('points asked follow the plot width within bounds; the store then buckets finer for a narrower window', () => {
  assert.equal(queryPoints(600.4), 600);
  assert.equal(queryPoints(20), 100);
  assert.equal(queryPoints(50_000), 4_000);
  // The same points over a tenth of the span: buckets a tenth as wide (the store's ceil(span / points)).
  const overview = Math.ceil((6 * 3_600_000) / queryPoints(600));
  const zoomed = Math.ceil((36 * 60_000) / queryPoints(600));
  assert.equal(overview / zoomed, 10);
});

test('windows compare by value; the label is local clock time', () => {
  const a = { fromMs: 1, toMs: 2, points: 3 };
  assert.ok(sameZoom(a, { ...a }));
  assert.ok(!sameZoom(a, { ...a, points: 4 }));
  assert.ok(sameZoom(null, null));
  assert.ok(!sameZoom(a, null));
  const from = new Date(2026, 0, 5, 10, 2, 10).getTime();
  assert.equal(fmtZoom({ fromMs: from, toMs: from + 140_000 }), '10:02:10–10:04:30');
});

test('axis ticks of a zoomed span of minutes carry seconds; longer spans show hours and minutes', () => {
  const t = new Date(2026, 0, 5, 10, 2, 10).getTime();
  assert.equal(timeLabel(t, 140_000), '10:02:10');
  assert.equal(timeLabel(t, 3_600_000), '10:02');
});
