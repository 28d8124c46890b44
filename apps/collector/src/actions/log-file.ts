/**
 * Truncate or rotate a log file in an allowed directory. Rotation copies then truncates by default
 * (copytruncate): a writer that keeps the file open goes on writing into the same, now empty, file, so the
 * space comes back at once; `method: "rename"` renames instead (the writer must then reopen its log).
 */
import fs from 'node:fs';
import path from 'node:path';
import { int, str } from './params';
import { allowedPath, refuseSymlink } from './paths';
import { ActionRefused, type ActionHandler } from './types';

function logPath(params: Readonly<Record<string, unknown>>, allowedDirs: Parameters<typeof allowedPath>[1]): { file: string; size: number } {
  const raw = str(params, 'path');
  const file = allowedPath(raw, allowedDirs, 'path');
  // The path as named must be the file itself, not a link to it (even one that stays inside).
  refuseSymlink(path.normalize(raw), 'path');
  const st = fs.lstatSync(file);
  if (!st.isFile()) throw new ActionRefused('INVALID_PARAMS', `param "path": ${file} is not a regular file`);
  return { file, size: st.size };
}

function truncateNoFollow(file: string): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
  try {
    fs.ftruncateSync(fd, 0);
  } finally {
    fs.closeSync(fd);
  }
}

export const truncateLog: ActionHandler = async (params, ctx) => {
  const { file, size } = logPath(params, ctx.policy);
  truncateNoFollow(file);
  return { status: 'ok', message: `truncated ${file} (${size} bytes freed)`, details: { path: file, bytesFreed: size } };
};

export const rotateLog: ActionHandler = async (params, ctx) => {
  const { file, size } = logPath(params, ctx.policy);
  const keep = int(params, 'keep', 1, 50, 5);
  const method = params['method'] ?? 'copytruncate';
  if (method !== 'copytruncate' && method !== 'rename') throw new ActionRefused('INVALID_PARAMS', `param "method" must be "copytruncate" or "rename", got ${JSON.stringify(method)}`);
  fs.rmSync(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  }
  const st = fs.statSync(file);
  if (method === 'rename') {
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, '', { mode: st.mode & 0o7777, flag: 'wx' });
    fs.chownSync(file, st.uid, st.gid);
  } else {
    // EXCL: never write through a link planted at the copy's name.
    fs.copyFileSync(file, `${file}.1`, fs.constants.COPYFILE_EXCL);
    truncateNoFollow(file);
  }
  return { status: 'ok', message: `rotated ${file} (${size} bytes) to ${file}.1 by ${method}, keeping ${keep}`, details: { path: file, rotatedTo: `${file}.1`, bytes: size, keep, method } };
};
