/**
 * The two tiers of anomaly scoring in a real console fed by a real collector (issue 4): the stronger
 * detector scores a host's headline series up to `serve --strong-series N`, the cheap one every other
 * series and the headline series past the limit, counted; a bad limit is refused with a clear error.
 */
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { isHeadlineSeries } from '../../apps/desktop/src/core/alerts/tiers';
import { ROOT, createTokenFile, ensureBuilt, startCollector, startConsole, tempDir, waitFor } from '../helpers/cerebro';

const CONSOLE_BIN = path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs');

test('serve --strong-series refuses what is not a count, saying what it wants', (t) => {
  ensureBuilt();
  const home = tempDir(t);
  for (const bad of ['-1', 'lots', '2.5']) {
    const r = spawnSync(process.execPath, [CONSOLE_BIN, 'serve', '--insecure-plaintext', '--ingest-port', '0', '--api-port', '0', `--strong-series=${bad}`], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8', timeout: 20_000 });
    assert.notEqual(r.status, 0, `--strong-series ${bad} must not start a console`);
    assert.match(r.stderr, new RegExp(`--strong-series must be an integer of at least 0 .*got "${bad.replace('.', '\\.')}"`));
  }
});

test("a real collector's headline series get the stronger detector up to the limit; the rest, and the headline series past it, the cheap one, counted", async (t) => {
  const home = tempDir(t);
  const LIMIT = 3;
  const con = await startConsole(t, home, {}, ['--detector-warmup', '8', '--strong-series', String(LIMIT)]);
  const hostId = `it-tiers-${process.pid}`;
  await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile: createTokenFile(home, home), stateDir: path.join(home, 'collector'), hostId, intervalMs: 250 });
  // Every host series arrives in the collector's first frames; the slower socket-table series may come later.
  const view = await waitFor('the host scored, with its headline series', async () => {
    const v = (await con.api('hosts')).some((h) => h.id === hostId) ? await con.api('hostAlerts', hostId) : null;
    return v !== null && v.series >= 30 && v.strong.length === LIMIT ? v : null;
  }, 30_000, 250);
  assert.ok(view.strong.every(isHeadlineSeries), `the stronger detector scores headline series only: ${view.strong.join(' ')}`);
  const scoring = (await con.api('alerts')).scoring;
  assert.equal(scoring.strongSeries, LIMIT);
  // cpu.util_pct, mem.used_pct, mem.available_bytes, load.1, proc.count … are on every Linux host: more than 3.
  assert.ok(scoring.strongRefused >= 1, `headline series past the limit are counted: ${JSON.stringify(scoring)}`);
  assert.ok(scoring.series > scoring.strongSeries + scoring.strongRefused, 'every other series is scored by the cheap detector');
});
