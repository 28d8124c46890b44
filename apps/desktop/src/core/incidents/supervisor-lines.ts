/**
 * What a supervisor's own log line says about one of its programs. A crash loop under supervisord or
 * systemd restarts a program every second or faster; each instance may live milliseconds, too short for
 * the collector's process tables (one a second) to see, but the supervisor says every start and exit in
 * its log: supervisord `INFO spawned: 'payments' with pid 4242` / `INFO exited: payments (exit status 1;
 * not expected)`, systemd `payments.service: Scheduled restart job, restart counter is at 7.`. These
 * lines are the restart evidence process-events.ts counts, and a log alert made of them is about the
 * program they name, not about the supervisor that wrote them (causes.ts).
 *
 * Formats: supervisord 3.x/4.x `process.py` messages (spawned, exited, stopped, gave up, success), and
 * systemd's unit messages (`<unit>.service: Main process exited …`, `… Scheduled restart job …`,
 * `… Failed with result …`). Anything else is null.
 */

export type SupervisorEvent = 'spawned' | 'exited' | 'stopped' | 'fatal' | 'running' | 'restart';

export interface SupervisorLine {
  /** The program as the supervisor names it (supervisord's program name, systemd's unit without `.service`). */
  readonly program: string;
  readonly event: SupervisorEvent;
  /** The new instance's pid (supervisord's `spawned`). */
  readonly pid?: number;
  /** An exit the supervisor did not expect (supervisord's `not expected`, systemd's failure). */
  readonly unexpected?: boolean;
}

const SUPERVISORD: ReadonlyArray<readonly [RegExp, SupervisorEvent]> = [
  [/\bspawned: '([^']+)' with pid (\d+)/, 'spawned'],
  [/\bexited: (\S+) \(([^)]*)\)/, 'exited'],
  [/\bstopped: (\S+) \(/, 'stopped'],
  [/\bgave up: (\S+) entered FATAL state/, 'fatal'],
  [/\bsuccess: (\S+) entered RUNNING state/, 'running'],
];

const SYSTEMD = /\b([\w@.:-]+)\.service: (Scheduled restart job|Main process exited|Failed with result)(.*)/;

/** The program and event a supervisor's log line states, or null for any other line. */
export function supervisorLine(msg: string): SupervisorLine | null {
  for (const [re, event] of SUPERVISORD) {
    const m = re.exec(msg);
    if (m === null) continue;
    const program = m[1]!;
    if (event === 'spawned') return { program, event, pid: Number(m[2]) };
    if (event === 'exited') return { program, event, unexpected: /not expected/.test(m[2]!) };
    return { program, event };
  }
  const s = SYSTEMD.exec(msg);
  if (s === null) return null;
  const program = s[1]!;
  if (s[2] === 'Scheduled restart job') return { program, event: 'restart' };
  if (s[2] === 'Main process exited') return { program, event: 'exited', unexpected: !/status=0\/SUCCESS/.test(s[3]!) };
  return { program, event: 'exited', unexpected: true };
}

/**
 * What a log record states as a supervisor's line: parsed when a supervisor wrote it, or when the collector
 * could not name its writer (its /proc scan found none, or several) and it reads as a supervisor's. In the
 * scenario runs supervisord's `stopped:` line after a restart came without a writer and held the leak's
 * incident open. A line another process wrote is never a supervisor's, whatever it says.
 */
export function statedBySupervisor(unit: string | undefined, msg: string, supervisors: readonly string[]): SupervisorLine | null {
  return unit === undefined || supervisors.includes(unit) ? supervisorLine(msg) : null;
}

/** A new instance of the program began (or is about to: systemd schedules it). */
export function isStart(line: SupervisorLine): boolean {
  return line.event === 'spawned' || line.event === 'restart';
}
