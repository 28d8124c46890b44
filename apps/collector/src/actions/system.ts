/** Host-wide actions: free the page cache (root only), restart a container (where docker or podman runs). */
import fs from 'node:fs';
import { which } from './exec';
import { str, UNIT_NAME } from './params';
import { describeExit, runIn } from './run';
import { ActionRefused, type ActionHandler } from './types';

/**
 * Writes 1 to /proc/sys/vm/drop_caches: frees clean page cache only (never dirty data, never dentries and
 * inodes, which cost more to rebuild). `sync` first so that more of the cache is clean.
 */
export const dropCaches: ActionHandler = async (_params, ctx) => {
  const uid = ctx.uid ?? process.geteuid?.() ?? -1;
  if (uid !== 0) throw new ActionRefused('NOT_ROOT', `freeing the page cache needs root; this collector runs as uid ${uid}`);
  const file = `${ctx.procRoot ?? '/proc'}/sys/vm/drop_caches`;
  const before = availableKb(ctx.procRoot);
  await runIn(ctx, 'sync', []);
  try {
    fs.writeFileSync(file, '1\n');
  } catch (e) {
    return { status: 'failed', message: `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  const after = availableKb(ctx.procRoot);
  return { status: 'ok', message: `page cache dropped; MemFree ${before ?? '?'} kB → ${after ?? '?'} kB`, details: { memFreeKbBefore: before, memFreeKbAfter: after } };
};

function availableKb(procRoot = '/proc'): number | null {
  try {
    const m = /^MemFree:\s+(\d+)/m.exec(fs.readFileSync(`${procRoot}/meminfo`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Restart a container by name or id with docker or podman, when one is installed and its daemon answers. */
export const restartContainer: ActionHandler = async (params, ctx) => {
  const name = str(params, 'container', { pattern: UNIT_NAME, max: 200 });
  const pathEnv = ctx.pathEnv ?? process.env['PATH'] ?? '';
  const runtimes = ['docker', 'podman'].flatMap((r) => {
    const bin = which(r, pathEnv);
    return bin ? [{ r, bin }] : [];
  });
  if (runtimes.length === 0) return { status: 'skipped', message: `cannot restart container ${name}: neither docker nor podman is installed on this host` };
  const why: string[] = [];
  for (const { r, bin } of runtimes) {
    const info = await runIn({ ...ctx, timeoutMs: Math.min(ctx.timeoutMs, 5_000) }, bin, ['info', '--format', '{{.ServerVersion}}']);
    if (info.code !== 0) {
      why.push(`${r} is installed but its daemon does not answer (${describeExit(info)}: ${info.output.trim().split('\n').pop() ?? ''})`);
      continue;
    }
    const res = await runIn(ctx, bin, ['restart', '--', name]);
    if (res.timedOut) return { status: 'timeout', message: `${r} restart ${name} did not finish within ${ctx.timeoutMs} ms`, output: res.output, outputTruncated: res.truncated };
    if (res.code !== 0) return { status: 'failed', message: `${r} restart ${name} failed (${describeExit(res)})`, output: res.output, outputTruncated: res.truncated };
    return { status: 'ok', message: `${r}: restarted container ${name}`, output: res.output, outputTruncated: res.truncated, details: { runtime: r } };
  }
  return { status: 'skipped', message: `cannot restart container ${name}: ${why.join('; ')}` };
};
