/** Test helpers: fixture paths, a recording CollectOutput, and temp proc trees that change between ticks. */
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seriesKey, type Labels } from '@cerebro/shared/protocol/series';
import type { ProcessRow, SocketRow } from '@cerebro/shared/protocol/messages';
import type { CollectOutput, SourceContext } from './source';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const fixture = (...parts: string[]): string => join(FIXTURES, ...parts);
export const readFixture = (...parts: string[]): string => readFileSync(fixture(...parts), 'utf8');

/** The fixture clock: t0 snapshots are taken at T0, t1 one second later. */
export const T0 = 1_800_000_000_000;

export class RecordingOutput implements CollectOutput {
  readonly samples = new Map<string, number>();
  procs?: ProcessRow[];
  sockets?: SocketRow[];
  readonly notices: string[] = [];

  gauge(name: string, value: number, labels?: Labels): void {
    const key = seriesKey(name, labels);
    if (this.samples.has(key)) throw new Error(`sample ${key} emitted twice in one tick`);
    this.samples.set(key, value);
  }

  notice(text: string): void {
    this.notices.push(text);
  }

  value(name: string, labels?: Labels): number | undefined {
    return this.samples.get(seriesKey(name, labels));
  }

  names(): string[] {
    return [...new Set([...this.samples.keys()].map((k) => k.replace(/\{.*$/, '')))].sort();
  }
}

export interface TestClock {
  t: number;
}

export function testContext(procRoot: string, sysRoot: string, clock: TestClock = { t: T0 }): SourceContext {
  return { procRoot, sysRoot, now: () => clock.t, log: () => {} };
}

/** A writable copy of a fixture tree (symlinks kept), removed by the returned cleanup. */
export function stageTree(src: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cerebro-sources-'));
  cpSync(src, dir, { recursive: true, verbatimSymlinks: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes every regular file of `src` over `dst` in place. Rewriting (not replacing) keeps the inode, so a
 * KeptFile opened on the old snapshot reads the new one, as with a real /proc file.
 */
export function overlayTree(dst: string, src: string): void {
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    const to = join(dst, name);
    const st = lstatSync(from);
    if (st.isDirectory()) {
      mkdirSync(to, { recursive: true });
      overlayTree(to, from);
    } else if (st.isFile()) {
      writeFileSync(to, readFileSync(from));
    } else if (st.isSymbolicLink()) {
      rmSync(to, { force: true });
      symlinkSync(readlinkSync(from), to);
    }
  }
}

/** Equal to within floating-point noise (shares and rates are computed by division). */
export function assertNear(actual: number | undefined, expected: number, what = 'value'): void {
  const ok = actual !== undefined && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(ok, `${what}: expected ${expected}, got ${actual}`);
}
