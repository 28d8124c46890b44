/** Debian's prometheus-node-exporter, the peer the collector is measured against. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const CANDIDATES = ['/usr/bin/prometheus-node-exporter', '/usr/local/bin/node_exporter', '/usr/bin/node_exporter'];

function found(): string | null {
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

/**
 * The node_exporter binary, installed with apt when missing. Returns `{ path }` or `{ skipped: reason }`
 * (not root, no apt, the install failed): the benchmark then reports the node_exporter figures as null.
 */
export function nodeExporterBinary(log: (m: string) => void): { path: string } | { skipped: string } {
  const existing = found();
  if (existing) return { path: existing };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { skipped: 'prometheus-node-exporter is not installed and installing it needs root (apt-get install -y prometheus-node-exporter)' };
  if (!fs.existsSync('/usr/bin/apt-get')) return { skipped: 'prometheus-node-exporter is not installed and there is no apt-get to install it' };
  log('prometheus-node-exporter is missing: apt-get install -y prometheus-node-exporter (up to 5 min)');
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus-node-exporter'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 300_000,
    });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-2).join(' ');
    return { skipped: `apt-get install prometheus-node-exporter failed: ${stderr || (e as Error).message}` };
  }
  const installed = found();
  return installed ? { path: installed } : { skipped: 'apt-get installed prometheus-node-exporter but its binary was not found in /usr/bin' };
}
