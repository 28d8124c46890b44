/**
 * Run a vetted script: one shipped with a runbook and installed in the host's scripts directory. The console
 * names it by SHA-256 only; the collector runs the file whose content has that hash, from the bytes it
 * hashed (fed to `sh -s` on stdin), so the file cannot be swapped between the check and the run.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { str, strList } from './params';
import { describeExit, runIn } from './run';
import { ActionRefused, type ActionHandler } from './types';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The content of the script in `dir` whose SHA-256 is `hash`, or null. */
export function findVetted(dir: string, hash: string): { file: string; content: Buffer } | null {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    try {
      if (!fs.lstatSync(file).isFile()) continue;
      const content = fs.readFileSync(file);
      if (sha256(content) === hash) return { file, content };
    } catch {
      // Unreadable entries are not vetted scripts.
    }
  }
  return null;
}

export const runScript: ActionHandler = async (params, ctx) => {
  const hash = str(params, 'sha256', { pattern: /^[0-9a-f]{64}$/ });
  const args = strList(params, 'args', 32);
  const dir = ctx.policy.scriptsDir;
  if (!dir) throw new ActionRefused('SCRIPT_NOT_VETTED', "the host's policy names no scripts directory, so no script is vetted");
  const found = findVetted(dir, hash);
  if (!found) throw new ActionRefused('SCRIPT_NOT_VETTED', `no script in ${dir} has SHA-256 ${hash}`);
  const r = await runIn(ctx, '/bin/sh', ['-s', '--', ...args], found.content.toString('utf8'));
  const base = { output: r.output, outputTruncated: r.truncated, details: { script: path.basename(found.file), exit: r.code } };
  if (r.timedOut) return { status: 'timeout', message: `script ${path.basename(found.file)} did not finish within ${ctx.timeoutMs} ms`, ...base };
  if (r.code !== 0) return { status: 'failed', message: `script ${path.basename(found.file)} failed (${describeExit(r)})`, ...base };
  return { status: 'ok', message: `script ${path.basename(found.file)} ran (exit 0)`, ...base };
};
