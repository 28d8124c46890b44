/**
 * Child process of durability.test.ts: inserts hosts one at a time into the state database in `dir` and prints
 * "written K" once insert K has resolved, until it is killed. Usage: durability-child.ts <dir> <count>
 */
import { openStateDatabase } from './database';
import { makeHost, openEnv } from './test-helpers';

const [dir, countArg] = process.argv.slice(2);
if (!dir || !countArg) throw new Error('usage: durability-child.ts <dir> <count>');

const env = openEnv(dir);
const db = await openStateDatabase({ env });
for (let k = 0; k < Number(countArg); k++) {
  await db.hosts.insert(makeHost(k));
  // Pipes are synchronous in Node on Linux: the line is out before the next insert starts.
  process.stdout.write(`written ${k}\n`);
}
await db.close();
await env.close();
