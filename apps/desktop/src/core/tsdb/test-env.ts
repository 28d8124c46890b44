/** Test helper: a root LMDB env in a fresh temp dir, removed when closed. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open, type RootDatabase } from 'lmdb';

export interface TempEnv {
  dir: string;
  env: RootDatabase;
  /** Closes the env and opens a new one on the same files (a process restart). */
  reopen(): Promise<RootDatabase>;
  dispose(): Promise<void>;
}

export function tempEnv(): TempEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-tsdb-'));
  const openEnv = (): RootDatabase => open({ path: dir, maxDbs: 16 });
  const t: TempEnv = {
    dir,
    env: openEnv(),
    async reopen() {
      await t.env.close();
      t.env = openEnv();
      return t.env;
    },
    async dispose() {
      await t.env.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}
