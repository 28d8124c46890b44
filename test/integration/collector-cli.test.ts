/**
 * The collector's command line refuses bad input at start with a message naming the field and the value
 * expected, and exits 2 without starting (the logic is unit-tested in config.test.ts; this runs the bundle).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, tempDir } from '../helpers/cerebro';

const BIN = path.join(ROOT, 'apps/collector/bin/cerebro-collector.mjs');

function collector(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, CEREBRO_TOKEN: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('bad flags and config files are refused at start, naming the field', (t) => {
  const dir = tempDir(t);
  const state = ['--state-dir', path.join(dir, 'state')];
  const cases: Array<[string[], RegExp]> = [
    [['run', '--interval', 'abc', '--token', 'abcdefgh12', ...state], /field "intervalMs" must be an integer from 100 to 60000 \(milliseconds\), got "abc"/],
    [['run', '--console', 'http://x:7070', '--token', 'abcdefgh12', ...state], /field "consoleUrl" must be a ws:\/\/ or wss:\/\/ URL/],
    [['run', '--disable', 'gpu', '--token', 'abcdefgh12', ...state], /unknown source "gpu"; known sources are cpu, load/],
    [['run', '--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['run', ...state], /no ingest token: pass --token, --token-file/],
    [['run', '--token-file', path.join(dir, 'missing'), ...state], /field "tokenFile": cannot read .*missing \(ENOENT\)/],
  ];
  const badJson = path.join(dir, 'bad.json');
  fs.writeFileSync(badJson, '{"intervalMs": 1000,');
  cases.push([['run', '--config', badJson, ...state], /config file .*bad\.json is not valid JSON/]);
  const typo = path.join(dir, 'typo.json');
  fs.writeFileSync(typo, JSON.stringify({ intervalMS: 1000 }));
  cases.push([['run', '--config', typo, ...state], /unknown field "intervalMS"; known fields are consoleUrl/]);
  for (const [args, expected] of cases) {
    const r = collector(args);
    assert.equal(r.code, 2, `exit 2 for ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, expected, `message for ${args.join(' ')}`);
    assert.ok(!fs.existsSync(path.join(dir, 'state', 'spool')), 'nothing was started');
  }
});

test('--help, --version and status answer without a running collector', (t) => {
  const dir = tempDir(t);
  const help = collector(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /cerebro-collector run \[options\]/);
  assert.match(collector(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
  const status = collector(['status', '--state-dir', dir]);
  assert.equal(status.code, 1);
  assert.match(status.stdout, /no collector status in/);
});
