/**
 * The layer boundaries of ARCHITECTURE.md are enforced by the lint step: a wrong import fails it.
 * Lints snippets as if they were files of each layer, with the project's own eslint.config.mjs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { ROOT } from '../helpers/cerebro';

const eslint = new ESLint({ cwd: ROOT });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('a wrong import across layers fails lint, a right one passes', async () => {
  const cases: Array<[string, string, boolean]> = [
    // shared/: no Node, no app code
    ['shared/src/protocol/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n", false],
    ['shared/src/protocol/x.ts', "import { Link } from '../../../apps/collector/src/link/connection';\nexport const a = Link;\n", false],
    ['shared/src/protocol/x.ts', "import { Packr } from 'msgpackr';\nexport const a = Packr;\n", true],
    // the collector: never the console
    ['apps/collector/src/x.ts', "import { IngestServer } from '../../desktop/src/core/ingest/server';\nexport const a = IngestServer;\n", false],
    ['apps/collector/src/x.ts', "import { open } from 'lmdb';\nexport const a = open;\n", false],
    ['apps/collector/src/x.ts', "import { encodeMessage } from '@cerebro/shared/protocol/codec';\nexport const a = encodeMessage;\n", true],
    // the console core: plain Node, never electron or the UI
    ['apps/desktop/src/core/x.ts', "import { app } from 'electron';\nexport const a = app;\n", false],
    ['apps/desktop/src/core/x.ts', "import { App } from '../renderer/App';\nexport const a = App;\n", false],
    ['apps/desktop/src/core/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n", true],
    // the renderer: shared and the preload types only
    ['apps/desktop/src/renderer/x.ts', "import { ConsoleCore } from '../core/console';\nexport const a = ConsoleCore;\n", false],
    ['apps/desktop/src/renderer/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n", false],
    ['apps/desktop/src/renderer/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n", false],
    ['apps/desktop/src/renderer/x.ts', "import type { CerebroApi } from '../preload/api';\nexport type A = CerebroApi;\n", true],
  ];
  for (const [file, code, allowed] of cases) {
    const messages = await restricted(file, code);
    if (allowed) assert.deepEqual(messages, [], `${file} may import this: ${code}`);
    else assert.ok(messages.length > 0 && /ARCHITECTURE\.md|typed API|STYLE\.md/.test(messages[0] as string), `${file} must not import this: ${code}`);
  }
});
