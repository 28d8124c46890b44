/**
 * Messages between the collector and its pty host child (`cerebro-collector pty-host`, one per terminal
 * session), over the fork IPC channel with the 'advanced' serialization (binary data travels as is).
 */

export type ToPtyHost =
  | {
      readonly t: 'open';
      readonly shell: string;
      readonly args: readonly string[];
      readonly cwd: string;
      readonly env: Readonly<Record<string, string>>;
      readonly cols: number;
      readonly rows: number;
      /** Switch to this account (the collector runs as root); absent: stay the collector's user. */
      readonly uid?: number;
      readonly gid?: number;
    }
  | { readonly t: 'in'; readonly data: Uint8Array }
  | { readonly t: 'resize'; readonly cols: number; readonly rows: number }
  | { readonly t: 'pause' }
  | { readonly t: 'resume' }
  | { readonly t: 'close' };

export type FromPtyHost =
  /**
   * `capabilities`: how the shell was stripped of the collector's capabilities (the launcher and its
   * flags), or why it was not; `warning`: a line for the top of the session when they were not.
   */
  | { readonly t: 'ready'; readonly pid: number; readonly pts: string; readonly capabilities: string; readonly warning?: string }
  /** `i`: input written while the terminal echoed (recordable); `o`: output. */
  | { readonly t: 'out'; readonly stream: 'o' | 'i'; readonly data: Uint8Array }
  | { readonly t: 'exit'; readonly code: number | null; readonly signal: number | null }
  | { readonly t: 'error'; readonly message: string };

/**
 * Whether `stty -a` output says the terminal echoes input: its local flags list `echo` or `-echo`.
 * null when the flag is not found (then input is treated as not echoed, and not recorded).
 */
export function echoFromStty(text: string): boolean | null {
  const m = /(?:^|[\s;])(-?)echo(?=[\s;]|$)/m.exec(text);
  return m ? m[1] !== '-' : null;
}

/** A process's capability sets, from the Cap* lines of /proc/PID/status (bit n: capability n). */
export interface CapSets {
  readonly inh: bigint;
  readonly prm: bigint;
  readonly eff: bigint;
  readonly bnd: bigint;
  readonly amb: bigint;
}

/** The Cap* lines of a /proc/PID/status text; a missing line reads as 0 (a kernel without ambient caps). */
export function parseCapSets(status: string): CapSets {
  const get = (name: string): bigint => {
    const m = new RegExp(`^${name}:\\s*([0-9a-f]+)`, 'm').exec(status);
    return m ? BigInt(`0x${m[1] as string}`) : 0n;
  };
  return { inh: get('CapInh'), prm: get('CapPrm'), eff: get('CapEff'), bnd: get('CapBnd'), amb: get('CapAmb') };
}

/** CAP_SETPCAP: needed to drop capabilities from the bounding set. */
const CAP_SETPCAP = 8n;

export interface ShellLaunchInput {
  readonly shell: string;
  readonly args: readonly string[];
  /** Paths of util-linux's setpriv and libcap's capsh on this host, null where absent. */
  readonly setpriv: string | null;
  readonly capsh: string | null;
  /** The account to switch to (the pty host runs as root), or null: the shell runs as the pty host's user. */
  readonly switchTo: { readonly uid: number; readonly gid: number } | null;
  /** The pty host's own uid and capability sets. */
  readonly uid: number;
  readonly caps: CapSets;
}

export interface ShellLaunch {
  /** What node-pty spawns, and the uid/gid it switches to itself (absent: the launcher does, or none). */
  readonly file: string;
  readonly args: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
  /** For the log and the audit: how capabilities are dropped, or why they are not. */
  readonly capabilities: string;
  /** A warning for the session's first line, or null. */
  readonly warning: string | null;
}

/**
 * How to start the shell so that it does not keep the collector's capabilities (a systemd unit may
 * grant the collector ambient CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE, which an ordinary execve passes on
 * to the shell). Through util-linux's setpriv when it exists: inheritable and ambient sets cleared, and
 * for a non-root shell the bounding set too when the pty host may drop it (CAP_SETPCAP; as root it also
 * switches the account itself, with the account's supplementary groups rather than root's). Else through
 * libcap's capsh (inheritable and ambient cleared). A root shell keeps root's bounding set: root is
 * what the policy asked for there. Neither tool: the shell starts directly, with a warning when the pty
 * host holds capabilities that the shell inherits.
 */
export function shellLaunch(o: ShellLaunchInput): ShellLaunch {
  const rootShell = o.switchTo ? o.switchTo.uid === 0 : o.uid === 0;
  const canDropBounding = !rootShell && ((o.caps.eff >> CAP_SETPCAP) & 1n) === 1n;
  if (o.setpriv) {
    const flags = [
      ...(o.switchTo ? ['--reuid', String(o.switchTo.uid), '--regid', String(o.switchTo.gid), '--init-groups'] : []),
      '--inh-caps=-all',
      '--ambient-caps=-all',
      ...(canDropBounding ? ['--bounding-set=-all'] : []),
    ];
    return { file: o.setpriv, args: [...flags, '--', o.shell, ...o.args], capabilities: `dropped by ${o.setpriv} ${flags.join(' ')}`, warning: null };
  }
  const ids = o.switchTo ? { uid: o.switchTo.uid, gid: o.switchTo.gid } : {};
  if (o.capsh) {
    const flags = ['--inh=', '--noamb'];
    return { file: o.capsh, args: [...flags, `--shell=${o.shell}`, '--', ...o.args], ...ids, capabilities: `dropped by ${o.capsh} ${flags.join(' ')}`, warning: null };
  }
  const inherited = o.switchTo ? o.caps.inh : o.caps.inh | o.caps.amb;
  const why = 'neither setpriv (util-linux) nor capsh (libcap) is installed on this host';
  return {
    file: o.shell,
    args: [...o.args],
    ...ids,
    capabilities: inherited === 0n ? `not dropped (${why}; the collector holds none to pass on)` : `NOT dropped: ${why}; the shell keeps the collector's inheritable/ambient capabilities 0x${inherited.toString(16)}`,
    warning: inherited === 0n ? null : `cerebro: ${why}, so this shell keeps the collector's capabilities (0x${inherited.toString(16)}); install util-linux to drop them`,
  };
}
