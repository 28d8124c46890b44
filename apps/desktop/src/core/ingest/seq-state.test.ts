import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ABOVE, addSeq, advanceTo, emptySeqState, hasSeq, type SeqState } from './seq-state';

function withSeqs(...seqs: number[]): SeqState {
  const s = emptySeqState('epoch-0001');
  for (const q of seqs) addSeq(s, q);
  return s;
}

test('an empty state holds nothing but seq 0', () => {
  const s = emptySeqState('epoch-0001');
  assert.deepEqual(s, { epoch: 'epoch-0001', contig: 0, above: [], max: 0 });
  assert.equal(hasSeq(s, 1), false);
});

test('seqs in order advance contig and keep above empty', () => {
  const s = withSeqs(1, 2, 3);
  assert.deepEqual(s, { epoch: 'epoch-0001', contig: 3, above: [], max: 3 });
  assert.ok(hasSeq(s, 3));
  assert.equal(hasSeq(s, 4), false);
});

test('seqs out of order wait in above, sorted, and are absorbed once the gap fills', () => {
  const s = withSeqs(1, 5, 3, 4);
  assert.equal(s.contig, 1);
  assert.deepEqual(s.above, [3, 4, 5]);
  assert.equal(s.max, 5);
  assert.equal(hasSeq(s, 2), false);
  assert.ok(hasSeq(s, 4));
  assert.equal(addSeq(s, 2), 0);
  assert.deepEqual(s, { epoch: 'epoch-0001', contig: 5, above: [], max: 5 });
});

test('a duplicate is detected by hasSeq and adding it again changes nothing', () => {
  const s = withSeqs(1, 2, 7);
  assert.ok(hasSeq(s, 2), 'below contig');
  assert.ok(hasSeq(s, 7), 'in above');
  const before = structuredClone(s);
  assert.equal(addSeq(s, 2), 0);
  assert.equal(addSeq(s, 7), 0);
  assert.deepEqual(s, before);
});

test('advanceTo gives up every seq below the collector’s oldest and absorbs what follows', () => {
  const s = withSeqs(1, 2, 6, 8, 9);
  advanceTo(s, 6); // 3..5 were acked or dropped by the collector: they will never come
  assert.deepEqual(s, { epoch: 'epoch-0001', contig: 6, above: [8, 9], max: 9 });
  assert.ok(hasSeq(s, 4), 'a seq given up counts as held: a late copy is a duplicate');
  advanceTo(s, 12);
  assert.deepEqual(s, { epoch: 'epoch-0001', contig: 11, above: [], max: 11 }, 'max follows contig up');
  advanceTo(s, 3); // a lower oldest never moves contig back
  assert.equal(s.contig, 11);
});

test('advanceTo absorbs an above run that starts right after the new contig', () => {
  const s = withSeqs(1, 5, 6, 9);
  advanceTo(s, 5);
  assert.deepEqual(s, { epoch: 'epoch-0001', contig: 6, above: [9], max: 9 });
});

test('past MAX_ABOVE out-of-order seqs, the oldest gap is given up and its size returned', () => {
  const s = withSeqs(1);
  // Seqs 3, 5, 7, ...: every one leaves a gap of one below it.
  let givenUp = 0;
  for (let i = 0; i < MAX_ABOVE; i++) givenUp += addSeq(s, 3 + 2 * i);
  assert.equal(givenUp, 0);
  assert.equal(s.above.length, MAX_ABOVE);
  assert.equal(s.contig, 1);
  // One more: the gap {2} is given up, contig moves to 3, and the above stays bounded.
  assert.equal(addSeq(s, 3 + 2 * MAX_ABOVE), 1);
  assert.equal(s.contig, 3);
  assert.equal(s.above.length, MAX_ABOVE);
  assert.equal(s.above[0], 5);
  assert.ok(hasSeq(s, 2), 'a given-up seq is treated as held');
});

test('an overflow that gives up a gap of many seqs returns them all and absorbs the run after it', () => {
  const s = withSeqs(1);
  addSeq(s, 100);
  addSeq(s, 101);
  for (let i = 0; i < MAX_ABOVE - 2; i++) addSeq(s, 200 + 2 * i);
  assert.equal(s.above.length, MAX_ABOVE);
  assert.equal(addSeq(s, 1_000_000), 98, 'seqs 2..99 given up');
  assert.equal(s.contig, 101, '100 became contig, 101 was absorbed');
  assert.equal(s.above[0], 200);
  assert.ok(s.above.length <= MAX_ABOVE);
});

test('random adds and advances agree with a Set-based model', () => {
  let seed = 987654321;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 20; round++) {
    const s = emptySeqState('epoch-0001');
    const held = new Set<number>(); // every seq received, or given up by advanceTo
    let floor = 0; // every seq ≤ floor counts as held
    let max = 0;
    for (let step = 0; step < 400; step++) {
      if (rand(10) === 0) {
        const oldest = floor + rand(20);
        advanceTo(s, oldest);
        floor = Math.max(floor, oldest - 1);
        max = Math.max(max, floor);
      } else {
        const seq = floor + 1 + rand(40);
        assert.equal(addSeq(s, seq), 0, 'far below MAX_ABOVE: nothing given up');
        held.add(seq);
        max = Math.max(max, seq);
      }
      while (held.has(floor + 1)) floor++;
      assert.equal(s.contig, floor, `round ${round} step ${step}: contig`);
      assert.equal(s.max, max, `round ${round} step ${step}: max`);
      const expectedAbove = [...held].filter((q) => q > floor + 1).sort((a, b) => a - b);
      assert.deepEqual(s.above, expectedAbove, `round ${round} step ${step}: above`);
      for (let q = 1; q <= max + 2; q++) assert.equal(hasSeq(s, q), q <= floor || held.has(q), `round ${round} step ${step}: hasSeq(${q})`);
    }
  }
});
