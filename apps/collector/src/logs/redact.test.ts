import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor, compileCustomRule } from './redact';

const R = '<redacted>';

test('default patterns replace passwords, tokens, keys, credentials and JWTs, and count them', () => {
  const r = new Redactor({ defaults: true, extra: [] });
  const cases: Array<[string, string]> = [
    ['login user=bob password=hunter2 ok', `login user=bob password=${R} ok`],
    ['passwd: s3cr3t', `passwd: ${R}`],
    ['mysql -u root pwd=abc123', `mysql -u root pwd=${R}`],
    ['{"user":"bob","password":"p@ss w0rd"}', `{"user":"bob","password":"${R}"}`],
    ['DB_PASSWORD=xyz', `DB_PASSWORD=${R}`],
    ['GET /cb?token=abcd1234&x=1', `GET /cb?token=${R}&x=1`],
    ['api_key=AbC123 apiKey: "zzz"', `api_key=${R} apiKey: "${R}"`],
    ['client_secret=s3cret; secret: topsecret', `client_secret=${R}; secret: ${R}`],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9', `Authorization: Bearer ${R}`],
    ['curl -H "Authorization: Basic dXNlcjpwYXNz"', `curl -H "Authorization: Basic ${R}"`],
    ['sent Bearer abcdefghijklmnop to upstream', `sent Bearer ${R} to upstream`],
    ['key AKIAIOSFODNN7EXAMPLE used', `key ${R} used`],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end', `jwt ${R} end`],
    ['connect postgres://app:Sup3rS3cret@db:5432/app', `connect postgres://app:${R}@db:5432/app`],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY----- after', `-----BEGIN RSA PRIVATE KEY-----${R} after`],
    ['-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg (cut)', `-----BEGIN PRIVATE KEY-----${R}`],
  ];
  let expected = 0;
  for (const [input, output] of cases) {
    assert.equal(r.redact(input), output, input);
    expected += (output.match(/<redacted>/g) ?? []).length;
  }
  assert.equal(r.count, expected);
});

test('ordinary lines are left alone', () => {
  const r = new Redactor({ defaults: true, extra: [] });
  for (const line of [
    'Basic authentication failed for bob',
    'tokens: 5 remaining',
    'Token expired for session',
    'password reset requested by bob',
    'GET /index.html 200 12ms',
    'https://example.com/path?q=1',
    'bypass=1 compass: north',
  ]) {
    assert.equal(r.redact(line), line);
  }
  assert.equal(r.count, 0);
});

test('custom patterns redact their whole match; (?i) ignores case; defaults can be switched off', () => {
  const r = new Redactor({ defaults: false, extra: ['(?<=session=)[0-9a-f]{8,}', '(?i)ssn \\d{3}-\\d{2}-\\d{4}'] });
  assert.equal(r.redact('session=deadbeef99 SSN 123-45-6789 password=x'), `session=${R} ${R} password=x`);
  assert.equal(r.count, 2);
});

test('a bad custom pattern is an error naming it', () => {
  assert.throws(() => compileCustomRule('foo('), /"foo\(" is not a valid regular expression/);
  assert.throws(() => compileCustomRule('x*'), /"x\*" matches the empty string/);
});
