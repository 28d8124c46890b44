/**
 * Stands in for `@lydell/node-pty` in the single executable, which cannot embed a native module: the pty
 * host (terminals) loads the real one from a node_modules folder installed beside the executable by the
 * .deb (/usr/lib/cerebro-collector) or the offline bundle (PREFIX/lib/cerebro-collector). Without it the
 * collector runs as usual and only a terminal is refused, with this module's message. Evaluated only when
 * the pty host imports it (esbuild keeps a dynamically imported module lazy).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Folders that may hold node_modules/@lydell/node-pty, in the order they are tried. */
function candidates(): string[] {
  const out: string[] = [];
  const fromEnv = process.env['CEREBRO_COLLECTOR_LIB'];
  if (fromEnv) out.push(fromEnv);
  let exe = process.execPath;
  try {
    exe = fs.realpathSync(exe);
  } catch {
    // keep the path as given
  }
  // PREFIX/bin/cerebro-collector → PREFIX/lib/cerebro-collector; then beside the executable itself.
  out.push(path.join(path.dirname(path.dirname(exe)), 'lib', 'cerebro-collector'), path.dirname(exe));
  return out;
}

function loadNodePty(): unknown {
  const tried = candidates();
  for (const dir of tried) {
    if (fs.existsSync(path.join(dir, 'node_modules', '@lydell', 'node-pty', 'package.json'))) {
      // A real require() rooted in that folder (the executable's own require() sees only node's built-ins).
      return createRequire(path.join(dir, 'node_modules', '.cerebro-collector.cjs'))('@lydell/node-pty');
    }
  }
  throw new Error(
    'terminals need the native module @lydell/node-pty, which a single executable cannot embed; the .deb and the ' +
      `offline bundle install it beside the executable, and it was not found in ${tried.map((d) => path.join(d, 'node_modules')).join(', ')} ` +
      '(or set CEREBRO_COLLECTOR_LIB to the folder holding node_modules/@lydell/node-pty). Metrics and logs do not need it.',
  );
}

export default loadNodePty();
