/** Pure parsers for /proc/net/{tcp,tcp6,udp,udp6}. */
import type { SocketProto } from '@cerebro/shared/protocol/messages';

/** include/net/tcp_states.h, in the kernel's hex. */
const TCP_STATES: Readonly<Record<string, string>> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
  '0C': 'NEW_SYN_RECV',
};

export function socketStateName(proto: SocketProto, hex: string): string {
  const code = hex.toUpperCase();
  // UDP reuses TCP_CLOSE (07) for a socket that is bound but not connected; ss prints it as UNCONN.
  if ((proto === 'udp' || proto === 'udp6') && code === '07') return 'UNCONN';
  return TCP_STATES[code] ?? `UNKNOWN_${code}`;
}

/** The kernel prints each 32-bit word of the address as a host-order (little-endian) integer. */
function wordBytes(hex: string, at: number, into: number[]): void {
  const w = parseInt(hex.slice(at, at + 8), 16);
  into.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);
}

/** RFC 5952 text: lower case, the longest run (≥ 2) of zero groups as '::', leftmost on a tie. */
function ipv6Text(b: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** Hex address from /proc/net/* → dotted IPv4 or compressed IPv6; IPv4-mapped IPv6 (::ffff:a.b.c.d) → IPv4. */
export function decodeAddress(hex: string): string {
  const b: number[] = [];
  for (let at = 0; at < hex.length; at += 8) wordBytes(hex, at, b);
  if (b.length === 4) return b.join('.');
  const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? b.slice(12).join('.') : ipv6Text(b);
}

export interface SocketEntry {
  readonly proto: SocketProto;
  readonly state: string;
  readonly localAddr: string;
  readonly localPort: number;
  readonly remoteAddr: string;
  readonly remotePort: number;
  /** Socket inode; 0 for sockets no process holds (TIME_WAIT, orphans). */
  readonly inode: number;
}

function splitEndpoint(s: string): [string, number] {
  const colon = s.indexOf(':');
  return [decodeAddress(s.slice(0, colon)), parseInt(s.slice(colon + 1), 16)];
}

export function parseSocketTable(text: string, proto: SocketProto): SocketEntry[] {
  const out: SocketEntry[] = [];
  const lines = text.split('\n');
  // Line 0 is the column header.
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] as string).trim().split(/\s+/);
    if (f.length < 10) continue;
    const [localAddr, localPort] = splitEndpoint(f[1] as string);
    const [remoteAddr, remotePort] = splitEndpoint(f[2] as string);
    out.push({
      proto,
      state: socketStateName(proto, f[3] as string),
      localAddr,
      localPort,
      remoteAddr,
      remotePort,
      inode: Number(f[9]),
    });
  }
  return out;
}
