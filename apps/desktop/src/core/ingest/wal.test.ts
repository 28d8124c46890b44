import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempEnv } from '../tsdb/test-env';
import { emptySeqState } from './seq-state';
import { WriteAheadLog } from './wal';

test('a WAL append whose sequence state cannot be stored commits neither; the next one commits both', async () => {
  const e = tempEnv();
  try {
    const wal = new WriteAheadLog(e.env);
    const seqs = wal['seqs'];
    const put = seqs.put.bind(seqs);
    seqs.put = (() => {
      throw new Error('injected: the state cannot be encoded');
    }) as typeof seqs.put;
    const state = emptySeqState('epoch-1');
    await assert.rejects(wal.append(wal.takePos(), 'h1', new Uint8Array([1, 2, 3]), state), /injected: the state cannot be encoded/);
    seqs.put = put;
    assert.equal(wal.size(), 0, 'no entry without its sequence state: it would be replayed and also resent');
    assert.equal(wal.loadSeqStates().size, 0);
    await wal.append(wal.takePos(), 'h1', new Uint8Array([4, 5]), state);
    await e.reopen();
    const after = new WriteAheadLog(e.env);
    assert.deepEqual(
      [...after.entries()].map(({ pos, entry }) => ({ pos, h: entry.h, f: [...entry.f] })),
      [{ pos: 2, h: 'h1', f: [4, 5] }],
    );
    assert.deepEqual(after.loadSeqStates().get('h1'), state);
  } finally {
    await e.dispose();
  }
});
