import { GorillaDecoder } from './gorilla';

/**
 * Gathers the samples of several chunks that fall in [from, to] into one time-sorted column pair,
 * keeping the first of equal timestamps (a block that just committed may briefly be seen both in
 * LMDB and in the pending list, and late data may repeat a timestamp of an older chunk).
 */
export class SampleCollector {
  readonly t: number[] = [];
  readonly v: number[] = [];
  private sorted = true;
  private readonly decoder = new GorillaDecoder();

  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {}

  add(data: Uint8Array, count: number): void {
    const d = this.decoder.reset(data, count);
    const { from, to, t, v } = this;
    while (d.next()) {
      const ts = d.t;
      if (ts < from) continue;
      if (ts > to) break;
      if (this.sorted && t.length > 0 && ts <= t[t.length - 1]!) this.sorted = false;
      t.push(ts);
      v.push(d.v);
    }
  }

  /** Sorts (stable) and drops repeated timestamps if chunks overlapped. */
  finish(): { t: number[]; v: number[] } {
    if (this.sorted) return { t: this.t, v: this.v };
    const order = Array.from(this.t.keys()).sort((a, b) => this.t[a]! - this.t[b]!);
    const t: number[] = [];
    const v: number[] = [];
    for (const i of order) {
      const ts = this.t[i]!;
      if (t.length > 0 && t[t.length - 1] === ts) continue;
      t.push(ts);
      v.push(this.v[i]!);
    }
    return { t, v };
  }
}
