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
  | { readonly t: 'ready'; readonly pid: number; readonly pts: string }
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
