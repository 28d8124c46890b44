/**
 * Entry of the collector's single executable (Node's single-executable applications, bundled to one
 * CommonJS file by scripts/package/collector.ts). ES imports run in order: the prelude before the CLI.
 */
import './sea-prelude';
import '../../../apps/collector/src/cli';
