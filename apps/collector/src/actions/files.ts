/** Delete files older than N minutes in an allowed directory (the policy's allow-list; see paths.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { globToRegExp } from '@cerebro/shared/protocol/glob';
import { int, str } from './params';
import { allowedPath } from './paths';
import { ActionRefused, type ActionHandler } from './types';

/** Names listed in a result, at most (the counts cover all). */
const LISTED = 100;


export const deleteOldFiles: ActionHandler = async (params, ctx) => {
  const dir = allowedPath(str(params, 'dir'), ctx.policy, 'dir');
  const olderThanMin = int(params, 'olderThanMinutes', 1, 10 * 365 * 24 * 60);
  const maxFiles = int(params, 'maxFiles', 1, 1_000_000, 10_000);
  const pattern = params['pattern'] === undefined ? null : globToRegExp(str(params, 'pattern', { max: 200 }));
  const recursive = params['recursive'] === true;
  const dryRun = params['dryRun'] === true;
  if (!fs.statSync(dir).isDirectory()) throw new ActionRefused('INVALID_PARAMS', `param "dir": ${dir} is not a directory`);
  const cutoff = (ctx.now?.() ?? Date.now()) - olderThanMin * 60_000;
  const deadline = Date.now() + ctx.timeoutMs;
  const deleted: string[] = [];
  let bytes = 0;
  let errors = 0;
  let timedOut = false;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (deleted.length >= maxFiles) return;
      if (Date.now() > deadline) {
        timedOut = true;
        return;
      }
      const p = path.join(d, e.name);
      // Never follow links: a symlinked directory is not descended and a symlink is never deleted's target.
      if (e.isDirectory() && recursive) walk(p);
      if (!e.isFile()) continue;
      if (pattern && !pattern.test(e.name)) continue;
      try {
        const st = fs.lstatSync(p);
        if (!st.isFile() || st.mtimeMs >= cutoff) continue;
        if (!dryRun) fs.unlinkSync(p);
        deleted.push(p);
        bytes += st.size;
      } catch {
        errors++;
      }
    }
  };
  walk(dir);
  const verb = dryRun ? 'would delete' : 'deleted';
  const details = { dir, deleted: deleted.length, bytes, errors, dryRun, files: deleted.slice(0, LISTED) };
  if (timedOut) return { status: 'timeout', message: `${verb} ${deleted.length} files (${bytes} bytes) in ${dir} before the ${ctx.timeoutMs} ms timeout`, details };
  const status = errors > 0 && deleted.length === 0 ? 'failed' : 'ok';
  return { status, message: `${verb} ${deleted.length} files older than ${olderThanMin} min (${bytes} bytes) in ${dir}${errors ? `; ${errors} could not be removed` : ''}`, details };
};
