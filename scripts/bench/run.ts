/**
 * `npm run bench -- NAME [options]`: runs one benchmark. Progress and tables go to stderr; the last line on
 * stdout is one JSON object with "bench": NAME (the contract in ../shared/BENCHMARKS.md).
 */
import { agentsBench } from './agents';
import { optionsHelp, UsageError } from './args';
import type { Bench } from './bench';
import { collectorBench } from './collector';
import { fleetBench } from './fleet';
import { ingestBench } from './ingest';
import { nabBench } from './nab';
import { processHistoryBench } from './process-history';
import { loghubBench } from './loghub';
import { rcaBench } from './rca';
import { scenariosBenchEntry } from '../scenarios/scenarios-bench';
import { emit } from './report';
import { uiBench } from './ui';
import { terminalBench } from './terminal';

const BENCHES: readonly Bench[] = [collectorBench, ingestBench, uiBench, loghubBench, nabBench, rcaBench, scenariosBenchEntry, agentsBench, terminalBench, processHistoryBench, fleetBench];

function help(): string {
  const width = Math.max(...BENCHES.map((b) => b.name.length));
  return [
    'Usage: npm run bench -- NAME [options]      (npm run bench -- NAME --help for its options)',
    '',
    'Benchmarks:',
    ...BENCHES.map((b) => `  ${b.name.padEnd(width)}  ${b.summary}`),
    '',
    'Progress goes to stderr; the last line on stdout is one JSON object with "bench": NAME.',
    '',
  ].join('\n');
}

function benchHelp(b: Bench): string {
  return `Usage: npm run bench -- ${b.name} [options]\n\n${b.summary}\n\nOptions:\n${optionsHelp(b.options)}\n  --help${' '.repeat(Math.max(1, Math.max(...Object.keys(b.options).map((k) => k.length + 2)) - 4))}  this text\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const bench = BENCHES.find((b) => b.name === name);
  if (!bench) {
    process.stderr.write(`unknown benchmark "${name}"; the benchmarks are: ${BENCHES.map((b) => b.name).join(', ')}\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(benchHelp(bench));
    return 0;
  }
  emit(await bench.run(rest));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof UsageError ? e.message : ((e as Error).stack ?? String(e))}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
