import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeStateDatabase, openStateDatabase } from './database';
import { makeHost, makeTempDir, openEnv } from './test-helpers';

const CHILD = fileURLToPath(new URL('./durability-child.ts', import.meta.url));
/** SIGKILL the writer once it has acknowledged this many inserts. */
const KILL_AFTER = 300;

/** Runs the writer child until it reports KILL_AFTER inserts, SIGKILLs it, and returns the last K it printed. */
function writeUntilKilled(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastWritten = -1;
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^written (\d+)$/.exec(line);
        if (match) lastWritten = Number(match[1]);
      }
      if (lastWritten + 1 >= KILL_AFTER) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(lastWritten);
      else reject(new Error(`writer exited before the kill (code ${code}): ${stderr}`));
    });
  });
}

test('every insert that resolved before a SIGKILL is on disk', { timeout: 120_000 }, async (t) => {
  const dir = makeTempDir(t);
  const lastWritten = await writeUntilKilled(dir);
  assert.ok(lastWritten + 1 >= KILL_AFTER);

  const env = openEnv(dir);
  try {
    const db = await openStateDatabase({ env });
    try {
      const ids = new Set((await db.hosts.find().exec()).map((d) => d.id));
      const missing: string[] = [];
      for (let k = 0; k <= lastWritten; k++) if (!ids.has(makeHost(k).id)) missing.push(makeHost(k).id);
      assert.deepEqual(missing, []);
      console.log(`kill test: ${lastWritten + 1} inserts acknowledged before SIGKILL, ${ids.size} documents on disk`);
      // The database is usable after the crash: the next insert continues where the writer stopped.
      await db.hosts.upsert(makeHost(lastWritten + 1));
    } finally {
      await closeStateDatabase(db);
    }
  } finally {
    await env.close();
  }
});
