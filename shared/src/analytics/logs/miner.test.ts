import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateMiner, templateHash, type MinerState } from './miner';

test('variables become <*> and lines of one event share a template', () => {
  const m = new TemplateMiner();
  const a = m.add('User login from the web console by alice after 3 attempts');
  const b = m.add('User login from the web console by bob after 12 attempts');
  assert.equal(a.id, b.id);
  assert.equal(b.text, 'User login from the web console by <*> after <*> attempts');
  assert.equal(b.count, 2);
  assert.equal(m.size, 1);
  // A masked line equal to the template text takes the fast path to the same template.
  assert.equal(m.add('User login from the web console by <*> after <*> attempts').id, a.id);
});

test('similarity counts masked positions against a line (as Drain does): short lines with an unmasked variable stay apart', () => {
  // 6 of 8 tokens equal constants = 0.75 < 0.8: kept apart, the price of keeping "proxy <*> HTTPS" and
  // "proxy <*> SOCKS5" apart, which measurably pays on Loghub.
  const m = new TemplateMiner();
  assert.notEqual(m.add('Session opened for user root by uid 0').id, m.add('Session opened for user www by uid 33').id);
  // Lines that differ only in masked values are one template whatever their count.
  assert.equal(m.add('Session opened for user root by uid 0').id, m.add('Session opened for user root by uid 7').id);
});

test('different event types stay apart, even with the same length and first words', () => {
  const m = new TemplateMiner();
  const open = m.add('Session opened for user root by uid 0 from the local console');
  const fail = m.add('Session failed to authenticate remote client host x at the gate');
  const open2 = m.add('Session opened for user www by uid 33 from the local console');
  assert.equal(open.id, open2.id);
  assert.notEqual(open.id, fail.id);
  assert.equal(m.get(open.id)?.text, 'Session opened for user <*> by uid <*> from the local console');
  // Different token counts never mix.
  assert.notEqual(m.add('Session opened').id, open.id);
});

test('short messages may differ in one token (the threshold is capped at (n − 1)/n)', () => {
  const m = new TemplateMiner();
  assert.equal(m.add('removing echo').id, m.add('removing ftp').id);
  assert.equal(m.templates()[0]?.text, 'removing <*>');
});

test('shared punctuation around a variable is kept', () => {
  const m = new TemplateMiner();
  m.add('PCI Interrupt Link [LNKD] enabled at IRQ 5 level low');
  const t = m.add('PCI Interrupt Link [LNKE] enabled at IRQ 7 level low');
  assert.equal(t.text, 'PCI Interrupt Link [<*>] enabled at IRQ <*> level low');
});

test('a varying dotted name keeps the segments all its values share', () => {
  const m = new TemplateMiner();
  m.add('com.apple.icloud.heartbeat: told me to run this job; however, the start time is later. Ignoring.');
  const t = m.add('com.apple.Safari.Update: told me to run this job; however, the start time is later. Ignoring.');
  assert.equal(t.text, 'com.apple.<*>: told me to run this job; however, the start time is later. Ignoring.');
  assert.equal(m.add('com.apple.other: told me to run this job; however, the start time is later. Ignoring.').id, t.id);
});

test('ids are a hash of the first template text: the same input gives the same ids in a new miner', () => {
  const lines = ['disk sda full at 99 percent', 'disk sdb full at 98 percent', 'fan 2 failed'];
  const ids1 = lines.map((l) => new TemplateMiner().add(l).id);
  const m = new TemplateMiner();
  const ids2 = lines.map((l) => m.add(l).id);
  assert.equal(ids2[0], ids1[0]);
  assert.equal(ids2[2], ids1[2]);
  assert.equal(ids2[0], templateHash('disk sda full at <*> percent'));
  assert.match(ids2[0]!, /^[0-9a-f]{8}$/);
});

test('ids and templates survive serialise → JSON → restore, and mining continues the same way', () => {
  const m = new TemplateMiner();
  const first = m.add('worker 3 started job build of the main branch in the CI pool');
  m.add('worker 4 started job test of the main branch in the CI pool');
  const fan = m.add('fan speed low');
  const state = JSON.parse(JSON.stringify(m.serialize())) as MinerState;
  const r = TemplateMiner.restore(state);
  assert.deepEqual(r.templates(), m.templates());
  assert.equal(r.add('worker 9 started job deploy of the main branch in the CI pool').id, first.id);
  assert.equal(r.add('fan speed low').id, fan.id);
  assert.equal(r.size, 2);
  assert.throws(() => TemplateMiner.restore({ ...state, version: 2 as 1 }), /version 2/);
});

test('memory bound: at most maxTemplates kept, the least recently matched evicted', () => {
  const m = new TemplateMiner({ maxTemplates: 3 });
  const keep = m.add('alpha event happened');
  for (const w of ['beta', 'gamma', 'delta', 'epsilon', 'zeta']) {
    m.add(`${w} ${w} ${w} ${w} ${w}`);
    m.add('alpha event happened'); // keeps alpha the most recent
    assert.ok(m.size <= 3, `size ${m.size}`);
  }
  assert.equal(m.size, 3);
  assert.ok(m.get(keep.id), 'the recently matched template is still there');
  assert.equal(m.get(templateHash('beta beta beta beta beta')), undefined);
  // The tree is pruned along with evicted templates: a restored miner holds the same three.
  assert.equal(TemplateMiner.restore(m.serialize()).size, 3);
});

test('lines whose constants match a template but whose variables are more or fewer join it', () => {
  const m = new TemplateMiner();
  const a = m.add('proxy.example.com:80 close, 403 bytes sent, 426 bytes received, lifetime 00:01');
  const b = m.add('proxy.example.com:80 close, 1190 bytes (1.16 KB) sent, 426 bytes received, lifetime 00:01');
  assert.equal(b.id, a.id);
  assert.equal(m.size, 1);
});

test('a full tree node routes new leading tokens to a shared <*> child instead of growing', () => {
  const m = new TemplateMiner({ maxChildren: 2 });
  for (const w of ['aa', 'bb', 'cc', 'dd']) m.add(`${w} service went down now`);
  // aa and bb have their own nodes; cc and dd share the <*> child and so one template.
  assert.equal(m.size, 3);
  assert.ok(m.templates().some((t) => t.text === '<*> service went down now' && t.count === 2));
});
