import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listSystems, loadSystem, parseCsv, scoreSystem } from './loghub-data';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/loghub');

test('parseCsv: quotes, escaped quotes, commas and newlines inside quotes, CRLF', () => {
  assert.deepEqual(parseCsv('a,b,c\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\n'), [
    ['a', 'b', 'c'],
    ['1', 'x, y', 'say "hi"'],
    ['2', 'two\nlines', ''],
  ]);
  assert.deepEqual(parseCsv('a,b'), [['a', 'b']]);
  assert.throws(() => parseCsv('a,"open'), /unterminated/);
});

// One small system end to end (load both ground truths, mine, score): a few hundred ms.
test('HDFS end to end: loads 2,000 lines and scores like Drain or better', { skip: !fs.existsSync(path.join(DATA, 'HDFS')) && 'no ../shared/data/loghub here' }, () => {
  assert.ok(listSystems(DATA).includes('HDFS'));
  const s = loadSystem(DATA, 'HDFS');
  assert.equal(s.lines.length, 2000);
  assert.equal(s.lines[0]?.content, 'PacketResponder 1 for block blk_38865049064139660 terminating');
  assert.equal(s.lines[0]?.correctedTemplate, 'PacketResponder <*> for block <*> terminating');
  const r = scoreSystem(s);
  assert.ok(r.ga >= 0.99, `GA ${r.ga}`);
  assert.ok(r.pa >= 0.9, `PA ${r.pa}`);
  assert.ok(r.fta > 0 && r.fta <= 1 && r.fga > 0 && r.fga <= 1);
});
