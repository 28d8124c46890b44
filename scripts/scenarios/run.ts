/**
 * `npm run scenarios [-- --only NAME[,NAME]] [--quiet-minutes N] [...]`: real faults on this machine
 * against a real console and collector (harness.ts). Progress and a per-scenario table on stderr; the
 * last line on stdout is one JSON object (the `scenarios` row of ../shared/BENCHMARKS.md).
 */
import { optionsHelp, UsageError } from '../bench/args';
import { emit } from '../bench/report';
import { SCENARIO_OPTIONS, scenariosBench } from './scenarios-bench';

function help(): string {
  return `Usage: npm run scenarios [-- options]\n\nReal faults on this machine against a real console and collector.\n\nOptions:\n${optionsHelp(SCENARIO_OPTIONS)}\n  --help  this text\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help());
    return 0;
  }
  emit(await scenariosBench(argv));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`scenarios: ${e instanceof UsageError ? e.message : ((e as Error).stack ?? String(e))}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
