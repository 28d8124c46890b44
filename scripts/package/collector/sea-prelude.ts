/**
 * Runs first in the single executable (imported before the collector by sea-entry.ts), before any
 * collector module is evaluated.
 */
import fs from 'node:fs';
import v8 from 'node:v8';

// The same V8 flag apps/collector/bin/cerebro-collector.mjs sets for the bundle, for the same reason (the
// daemon wakes once a second for under a millisecond of JavaScript: the optimising compiler costs more than
// it saves, ~7 % CPU and ~6 MB RSS, docs/benchmarks.md). A single executable takes no node flags on its
// command line, so it is set here, before the collector's code has run, let alone been optimised.
v8.setFlagsFromString('--no-opt');

/**
 * The collector starts itself again as `process.execPath [...execArgv] process.argv[1] COMMAND` (the
 * inventory child, the pty host of a terminal), as a script run by node. A single executable has no script:
 * its argv[1] is already the executable, so such a child sees the executable's path once more before the
 * command. Drop that copy so the child parses `COMMAND` as under node.
 */
function isThisExecutable(arg: string | undefined): boolean {
  if (!arg) return false;
  try {
    const a = fs.statSync(arg);
    const self = fs.statSync(process.execPath);
    return a.ino === self.ino && a.dev === self.dev;
  } catch {
    return false;
  }
}

if (isThisExecutable(process.argv[2])) process.argv.splice(2, 1);
// argv[1] is the name it was started by ("cerebro-collector" when found on PATH); the children above are
// started by that name, so make it the executable's absolute path.
process.argv[1] = process.execPath;
