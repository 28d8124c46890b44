/**
 * Loads the runbook library: every `*.json` in the runbooks folder (default `resources/runbooks`, or
 * $CEREBRO_RUNBOOKS_DIR), validated by runbook-schema.ts. Scripts for run-script steps live in its
 * `scripts/` folder and are named in steps by file; the loader hashes them (SHA-256), and a host runs a
 * script only if the same content is in its own vetted scripts folder.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runbook } from '@cerebro/shared/api/contract';
import { parseRunbook, RunbookError } from './runbook-schema';

export interface RunbookLibrary {
  readonly dir: string;
  readonly runbooks: ReadonlyMap<string, Runbook>;
  /** One line per file that failed, naming the file and the field. A bad file never stops the others. */
  readonly errors: readonly string[];
}

/** Folders searched for the runbooks: the env override, beside the console bundle, and from the sources. */
export function runbookDirCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = [path.resolve(here, '../../../resources/runbooks'), path.resolve(here, '../../../../../resources/runbooks')];
  if (env['CEREBRO_RUNBOOKS_DIR']) return [path.resolve(env['CEREBRO_RUNBOOKS_DIR'])];
  return out;
}

export function defaultRunbookDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = runbookDirCandidates(env);
  return candidates.find((d) => fs.existsSync(d)) ?? (candidates[0] as string);
}

export function scriptHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const scripts = path.join(dir, 'scripts');
  if (!fs.existsSync(scripts)) return out;
  for (const name of fs.readdirSync(scripts).sort()) {
    const file = path.join(scripts, name);
    if (fs.statSync(file).isFile()) out.set(name, createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  }
  return out;
}

export function loadRunbooks(dir: string = defaultRunbookDir()): RunbookLibrary {
  const runbooks = new Map<string, Runbook>();
  const errors: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    return { dir, runbooks, errors: [`cannot read the runbooks folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`] };
  }
  const scripts = scriptHashes(dir);
  for (const name of names) {
    try {
      let json: unknown;
      try {
        json = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
      } catch (e) {
        throw new RunbookError(`${name}: not valid JSON: ${(e as Error).message}`);
      }
      const rb = parseRunbook(json, name, scripts);
      const other = runbooks.get(rb.id);
      if (other) throw new RunbookError(`${name}: id: "${rb.id}" is already the id of ${other.file}`);
      runbooks.set(rb.id, rb);
    } catch (e) {
      if (!(e instanceof RunbookError)) throw e;
      errors.push(e.message);
    }
  }
  return { dir, runbooks, errors };
}
