/**
 * Which batch sequence numbers of a host the console holds durably, for idempotent ingest on
 * (host, epoch, seq). `contig` is the high-water mark below which every seq is held (or known to be gone:
 * acked earlier or dropped by the collector's spool); `above` holds the seqs received out of order beyond it.
 */
export interface SeqState {
  /** The collector spool's epoch these numbers belong to. */
  epoch: string;
  /** Every seq ≤ contig is durable (or will never come). */
  contig: number;
  /** Durable seqs > contig + 1, sorted ascending. */
  above: number[];
  /** Highest durable seq. */
  max: number;
}

/** Bound on `above`: beyond it the oldest gap is given up (counted by the caller as a gap). */
export const MAX_ABOVE = 4096;

export function emptySeqState(epoch: string): SeqState {
  return { epoch, contig: 0, above: [], max: 0 };
}

export function hasSeq(s: SeqState, seq: number): boolean {
  if (seq <= s.contig) return true;
  return binarySearch(s.above, seq) >= 0;
}

/** Record seq as durable; returns the number of seqs given up as never-coming because `above` overflowed. */
export function addSeq(s: SeqState, seq: number): number {
  if (seq > s.max) s.max = seq;
  if (seq <= s.contig) return 0;
  if (seq === s.contig + 1) {
    s.contig = seq;
    absorb(s);
    return 0;
  }
  const i = binarySearch(s.above, seq);
  if (i >= 0) return 0;
  s.above.splice(-i - 1, 0, seq);
  let givenUp = 0;
  while (s.above.length > MAX_ABOVE) {
    const first = s.above[0] as number;
    givenUp += first - s.contig - 1;
    s.contig = first;
    s.above.shift();
    absorb(s);
  }
  return givenUp;
}

/** The collector says nothing below `oldest` can still arrive (acked or dropped from its spool). */
export function advanceTo(s: SeqState, oldest: number): void {
  if (oldest - 1 > s.contig) {
    s.contig = oldest - 1;
    while (s.above.length > 0 && (s.above[0] as number) <= s.contig) s.above.shift();
    absorb(s);
  }
  if (s.contig > s.max) s.max = s.contig;
}

function absorb(s: SeqState): void {
  while (s.above.length > 0 && s.above[0] === s.contig + 1) {
    s.contig++;
    s.above.shift();
  }
}

function binarySearch(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = a[mid] as number;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}
