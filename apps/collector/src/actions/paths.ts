/**
 * The allow-list check for every action that touches files: the path must be absolute, must not climb
 * with '..', and must lie inside one of the host's allowed directories both as written and once symlinks
 * are resolved (so a link inside an allowed directory cannot lead outside it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ActionRefused, type ActionPolicy } from './types';

function inside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** The resolved real path of `raw` when it is allowed; throws PATH_NOT_ALLOWED otherwise. */
export function allowedPath(raw: string, policy: ActionPolicy, field: string): string {
  if (raw.includes('\0')) throw new ActionRefused('INVALID_PARAMS', `param "${field}" contains a NUL byte`);
  if (!path.isAbsolute(raw)) throw new ActionRefused('PATH_NOT_ALLOWED', `param "${field}" must be an absolute path, got ${JSON.stringify(raw)}`);
  if (raw.split('/').includes('..')) throw new ActionRefused('PATH_NOT_ALLOWED', `param "${field}" climbs with '..' (${JSON.stringify(raw)}); name the path directly`);
  if (policy.allowedDirs.length === 0) throw new ActionRefused('PATH_NOT_ALLOWED', "the host's policy allows no directories for file actions (remediation allowedDirs is empty)");
  const lexical = path.normalize(raw);
  const allowedLexical = policy.allowedDirs.map((d) => path.normalize(d));
  if (!allowedLexical.some((d) => inside(lexical, d))) throw new ActionRefused('PATH_NOT_ALLOWED', `${lexical} is outside the host's allowed directories (${allowedLexical.join(', ')})`);
  let real: string;
  try {
    real = fs.realpathSync(lexical);
  } catch (e) {
    throw new ActionRefused('INVALID_PARAMS', `param "${field}": cannot resolve ${lexical} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const allowedReal = allowedLexical.flatMap((d) => {
    try {
      return [fs.realpathSync(d)];
    } catch {
      return [];
    }
  });
  if (!allowedReal.some((d) => inside(real, d))) throw new ActionRefused('PATH_NOT_ALLOWED', `${lexical} resolves through a symlink to ${real}, outside the host's allowed directories`);
  return real;
}

/** Refuses a symlink at `p` itself (file actions act on real files only). */
export function refuseSymlink(p: string, field: string): fs.Stats {
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink()) throw new ActionRefused('PATH_NOT_ALLOWED', `param "${field}": ${p} is a symlink; name the file itself`);
  return st;
}
