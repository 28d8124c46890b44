import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isHeadlineSeries } from './tiers';

/** Every series key of a real collector's two ticks on a 2-core VM (the collector's golden fixture). */
function goldenKeys(): string[] {
  const file = fileURLToPath(new URL('../../../../collector/src/sources/fixtures/golden/host-two-ticks.json', import.meta.url));
  const keys = new Set<string>();
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === 'object' && x !== null) {
      for (const [k, v] of Object.entries(x)) {
        if (typeof v === 'number' && k.includes('.')) keys.add(k);
        else walk(v);
      }
    }
  };
  walk(JSON.parse(readFileSync(file, 'utf8')));
  return [...keys].sort();
}

test("the stronger tier's series are a host's headline series: the whole CPU, memory, load, each filesystem, disk and interface; not each core", () => {
  const keys = goldenKeys();
  assert.ok(keys.length >= 100, `${keys.length} keys in the fixture`);
  const strong = keys.filter(isHeadlineSeries);
  assert.equal(strong.length, 33, strong.join(' '));
  for (const k of ['cpu.util_pct', 'mem.used_pct', 'mem.available_bytes', 'load.1', 'fs.used_pct{mount=/}', 'disk.await_ms{dev=vda}', 'net.rx_bps{if=eth0}', 'net.tcp.retrans_segs_ps', 'proc.count']) assert.ok(strong.includes(k), k);
  for (const k of ['cpu.util_pct{core=0}', 'cpu.user_pct', 'load.5', 'fs.size_bytes{mount=/}', 'net.tx_errs_ps{if=eth0}']) assert.ok(keys.includes(k) && !strong.includes(k), k);
  // Per-process series (labelled by pid) and unknown labels are never headline series; nor is a malformed key.
  assert.equal(isHeadlineSeries('cpu.util_pct{pid=42}'), false);
  assert.equal(isHeadlineSeries('proc.count{name=nginx}'), false);
  assert.equal(isHeadlineSeries('cpu.util_pct{'), false);
});
