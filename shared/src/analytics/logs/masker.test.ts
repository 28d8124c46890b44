import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMasker, DEFAULT_MASK_RULES, type MaskRule } from './masker';

/** Masks with one default rule alone, so each case shows that rule does the work. */
function only(name: string): (text: string) => string {
  const rule = DEFAULT_MASK_RULES.find((r) => r.name === name);
  assert.ok(rule, `no default rule "${name}"`);
  return createMasker({ rules: [rule] }).mask;
}

const cases: Record<string, Array<[string, string]>> = {
  url: [['see https://example.com/a?b=1 now', 'see <*> now'], ['ftp://h/x', '<*>']],
  email: [['mail bob.smith@example.org ok', 'mail <*> ok']],
  uuid: [['id 123e4567-e89b-12d3-a456-426614174000 x', 'id <*> x']],
  datetime: [
    ['at 2016-09-28T04:30:30.123Z done', 'at <*> done'],
    ['at 2016-09-28 04:30:30 done', 'at <*> done'],
    ['on 2016/9/27 ok', 'on <*> ok'],
  ],
  time: [['at 04:30:30,978 done', 'at <*> done']],
  ipv6: [
    ['from fe80::1ff:fe23:4567:890a x', 'from <*> x'],
    ['to [::1]:8080 x', 'to <*> x'],
    ['a 2001:db8:0:0:0:0:2:1 b', 'a <*> b'],
  ],
  ipv4: [
    ['from 10.0.0.1 and 10.0.0.2:8080.', 'from <*> and <*>.'],
    ['peer /10.0.0.1:8080 and db-1/10.0.0.2:5432', 'peer <*> and <*>'],
    ['version 1.2.3.4.5', 'version 1.2.3.4.5'],
  ],
  path: [
    ['open /var/log/syslog.1 now', 'open <*> now'],
    ['cwd /tmp', 'cwd <*>'],
    ['read/write ok', 'read/write ok'],
  ],
  winpath: [['load C:\\Windows\\System32\\x.dll ok', 'load <*> ok']],
  'block-id': [['block blk_-6952295868487656571 and blk_123', 'block <*> and <*>']],
  'host-port': [['to db.example.com:5432 ok', 'to <*> ok'], ['at sm_sweep.c:120', 'at sm_sweep.c:120']],
  'approx-duration': [['lifetime <1 sec', 'lifetime <*>'], ['wait >5 min', 'wait <*>']],
  size: [['size 16.0 KB, free 1.2 GiB', 'size <*>, free <*>'], ['12 B', '<*>']],
  hex: [['addr 0x7fed806eb5d', 'addr <*>'], ['0xZZ', '0xZZ']],
  duration: [['took 12ms and 1.5s', 'took <*> and <*>'], ['the 5th', 'the 5th']],
  'numeric-word': [
    ['node-246 job_1445_0020 v6.1.7601 count 42 temp -3.5', '<*> <*> <*> count <*> temp <*>'],
    ['generating core.1234 memory:0', 'generating core.<*> memory:<*>'],
    ['over SOCKS5 and HTTP2 on eth0', 'over SOCKS5 and HTTP2 on eth0'],
    ['HWID=1973 ratio=0.5 (x2)', 'HWID=<*> ratio=<*> (<*>)'],
    ['state: 1, count: 5.', 'state: <*>, count: <*>.'],
    ['no digits here', 'no digits here'],
  ],
};

for (const [name, list] of Object.entries(cases)) {
  test(`mask rule ${name}`, () => {
    const mask = only(name);
    for (const [input, want] of list) assert.equal(mask(input), want, input);
  });
}

test('every default rule has a test case', () => {
  assert.deepEqual(DEFAULT_MASK_RULES.map((r) => r.name).sort(), Object.keys(cases).sort());
});

test('the default masker applies all rules in order: specific shapes stay whole', () => {
  const m = createMasker();
  assert.equal(m.mask('GET http://h:80/x?id=7 from 10.1.2.3:5 took 30ms'), 'GET <*> from <*> took <*>');
  assert.equal(m.mask('PacketResponder 1 for block blk_38865049064139660 terminating'), 'PacketResponder <*> for block <*> terminating');
  assert.equal(m.mask('instruction cache parity error corrected'), 'instruction cache parity error corrected');
});

test('rules can be switched off by name, or replaced', () => {
  assert.equal(createMasker({ disable: ['hex', 'numeric-word'] }).mask('addr 0x1f'), 'addr 0x1f');
  const custom: MaskRule = { name: 'user', pattern: /user=\w+/g };
  assert.equal(createMasker({ rules: [custom] }).mask('login user=bob 42'), 'login <*> 42');
});

test('a rule without the g flag is refused (it would mask only the first match)', () => {
  assert.throws(() => createMasker({ rules: [{ name: 'bad', pattern: /x/ }] }), /g flag/);
});

test('the fast scan over trigger words masks exactly as a plain replace with the same rules', () => {
  const fast = createMasker();
  // Copies of the default rules take the plain one-regex replace path (the scan is only for the defaults).
  const plain = createMasker({ rules: DEFAULT_MASK_RULES.map((r) => ({ ...r })) });
  const lines = [
    'PacketResponder 1 for block blk_38865049064139660 terminating',
    'Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010',
    'proxy.cse.cuhk.edu.hk:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime <1 sec',
    '00000001@2016/9/27:20:30:31.455 WcpInitialize (wcp.dll version 0.0.0.6) called (stack @0x7fed806eb5d @0x7fef9fb9b6d)',
    'Loaded Servicing Stack v6.1.7601.23505 with Core: C:\\Windows\\winsxs\\amd64_x\\cbscore.dll',
    'Address change detected. Old: msra-sa-41/10.190.173.170:8030 New: msra-sa-41:8030',
    'GET https://example.com/a?b=1 by bob@example.org at 2016-09-28 04:30:30,978 took 12ms on fe80::1',
    '  leading and  double spaces 42  ',
    'no variables at all',
    '',
  ];
  for (const l of lines) assert.equal(fast.mask(l), plain.mask(l), l);
});
