import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, applyConfig, defaultConfig } from '../config';
import { AUTO_FILES, DEFAULT_LOGS, resolveFiles } from './config';

const apply = (logs: unknown): ReturnType<typeof applyConfig> => applyConfig(defaultConfig(), { logs }, 'config file c.json');

function error(logs: unknown): string {
  try {
    apply(logs);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: journal where it runs, syslog files only without one, 1,000/s burst 5,000, redaction on', () => {
  const c = defaultConfig().logs;
  assert.ok(c);
  assert.equal(c.files, 'auto');
  assert.equal(c.journal, 'auto');
  assert.equal(c.startAt, 'end');
  assert.deepEqual(c.rateLimit, { perSec: 1000, burst: 5000 });
  assert.equal(c.redactDefaults, true);
  assert.ok(c.maxBatchBytes <= 2 * 1024 * 1024, 'a batch stays well under the 4 MiB frame limit');
  assert.deepEqual(resolveFiles(c, true, () => true), [], 'the journal already holds what syslog files repeat');
  assert.deepEqual(resolveFiles(c, false, (p) => p === '/var/log/messages'), ['/var/log/messages']);
  assert.deepEqual(AUTO_FILES, ['/var/log/syslog', '/var/log/messages']);
});

test('a logs object is merged field by field; false switches logs off', () => {
  const c = apply({ files: ['/srv/app/logs/**/*.log'], journal: false, rateLimit: { perSec: 50 }, redact: ['(?i)ssn=\\d+'], multiline: { maxLines: 20 } }).logs;
  assert.ok(c);
  assert.deepEqual(c.files, ['/srv/app/logs/**/*.log']);
  assert.equal(c.journal, false);
  assert.deepEqual(c.rateLimit, { perSec: 50, burst: 5000 });
  assert.equal(c.multiline.maxLines, 20);
  assert.equal(c.multiline.idleMs, DEFAULT_LOGS.multiline.idleMs);
  assert.equal(apply(false).logs, null);
});

test('bad values are errors naming the field, the value and what is expected', () => {
  assert.equal(error({ rateLimit: { perSec: 0 } }), 'config file c.json: field "logs.rateLimit.perSec" must be an integer from 1 to 1000000 (records per second), got 0');
  assert.match(error({ rateLimit: { perSec: 100, burst: 10 } }), /field "logs.rateLimit.burst" \(10\) must be at least rateLimit.perSec \(100\)/);
  assert.match(error({ files: ['relative/*.log'] }), /field "logs.files", item 1: "relative\/\*\.log" is not an absolute path/);
  assert.match(error({ files: '/var/log/*.log' }), /field "logs.files" must be a list of strings, got "\/var\/log\/\*\.log"/);
  assert.match(error({ redact: ['ok', 'bad('] }), /field "logs.redact", item 2: "bad\(" is not a valid regular expression/);
  assert.match(error({ startAt: 'now' }), /field "logs.startAt" must be "end" or "beginning", got "now"/);
  assert.match(error({ journal: 'yes' }), /field "logs.journal" must be true, false or "auto", got "yes"/);
  assert.match(error({ maxBatchBytes: 8 * 1024 * 1024 }), /field "logs.maxBatchBytes" must be an integer from 65536 to 2097152 \(bytes; the console takes frames of at most 4 MiB\)/);
  assert.match(error({ multiline: { maxLine: 3 } }), /field "logs.multiline": unknown field "maxLine"; known fields are enabled, maxLines, maxChars, idleMs/);
  assert.match(error({ follow: [] }), /field "logs": unknown field "follow"; known fields are files, exclude/);
  assert.match(error('yes'), /field "logs" must be an object, got "yes"/);
});
