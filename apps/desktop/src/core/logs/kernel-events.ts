/**
 * Kernel log lines that are events about a process. Today: the OOM killer. Its lines, by kernel version:
 *
 *   Out of memory: Killed process 4242 (java) total-vm:9MB, anon-rss:8MB, ...          (5.x, 6.x)
 *   Memory cgroup out of memory: Killed process 4242 (java) total-vm:...               (a cgroup's limit)
 *   Out of memory: Kill process 4242 (java) score 912 or sacrifice child               (older kernels, then:)
 *   Killed process 4242 (java) total-vm:...
 *   oom-kill:constraint=CONSTRAINT_NONE,...,task=java,pid=4242,uid=1000               (4.19+, same kill)
 *
 * One kill writes two or three of them: callers deduplicate by pid.
 */

export interface OomKill {
  readonly pid: number;
  /** comm of the killed process. */
  readonly name: string;
}

const KILLED = /Kill(?:ed)? process (\d+) \(([^)]{1,64})\)/;
const OOM_KILL = /oom-kill:.*?[,:]task=([^,]{1,64}),pid=(\d+)/;

/** The process an OOM-killer line names, or null for any other line (cheap for those: two substring tests). */
export function parseOomKill(msg: string): OomKill | null {
  // Every log record passes here: substring tests before any regex.
  if (msg.includes('Killed process ') || msg.includes('Kill process ')) {
    const m = KILLED.exec(msg);
    // Only the kernel's wording: an application's own "killed process 12 (worker)" is not the OOM killer.
    if (m !== null && (/out of memory/i.test(msg) || msg.includes('total-vm:'))) return { pid: Number(m[1]), name: m[2]! };
  }
  if (msg.includes('oom-kill:')) {
    const m = OOM_KILL.exec(msg);
    if (m !== null) return { pid: Number(m[2]), name: m[1]! };
  }
  return null;
}
