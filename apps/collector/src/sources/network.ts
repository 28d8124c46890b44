/** Interface traffic from /proc/net/dev and TCP counters from /proc/net/snmp. */
import type { CollectOutput, Source, SourceContext } from './source';
import { KeptFile } from './read';
import { Rates } from './rates';

/** One interface's cumulative counters since it came up. */
export interface NetDevStat {
  readonly iface: string;
  readonly rxBytes: number;
  readonly rxPackets: number;
  readonly rxErrs: number;
  readonly rxDrop: number;
  readonly txBytes: number;
  readonly txPackets: number;
  readonly txErrs: number;
  readonly txDrop: number;
}

export function parseNetDev(text: string): NetDevStat[] {
  const out: NetDevStat[] = [];
  for (const line of text.split('\n')) {
    // Large counters can touch the colon ("eth0:123"), so split on it rather than on whitespace.
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    const n = (i: number): number => f[i] ?? 0;
    out.push({
      iface: line.slice(0, colon).trim(),
      rxBytes: n(0), rxPackets: n(1), rxErrs: n(2), rxDrop: n(3),
      txBytes: n(8), txPackets: n(9), txErrs: n(10), txDrop: n(11),
    });
  }
  return out;
}

/** /proc/net/snmp: each protocol is a header line of names followed by a line of values. */
export function parseSnmp(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = (lines[i] as string).split(/\s+/);
    const values = (lines[i + 1] as string).split(/\s+/);
    const proto = names[0]?.replace(/:$/, '');
    if (!proto || values[0] !== names[0]) continue;
    const fields = new Map<string, number>();
    for (let j = 1; j < names.length; j++) {
      const name = names[j];
      if (name) fields.set(name, Number(values[j]));
    }
    out.set(proto, fields);
  }
  return out;
}

const IFACE_RATES: ReadonlyArray<readonly [string, keyof NetDevStat]> = [
  ['net.rx_bps', 'rxBytes'], ['net.tx_bps', 'txBytes'],
  ['net.rx_pps', 'rxPackets'], ['net.tx_pps', 'txPackets'],
  ['net.rx_errs_ps', 'rxErrs'], ['net.tx_errs_ps', 'txErrs'],
  ['net.rx_drop_ps', 'rxDrop'], ['net.tx_drop_ps', 'txDrop'],
];

const TCP_RATES: ReadonlyArray<readonly [string, string]> = [
  ['net.tcp.active_opens_ps', 'ActiveOpens'],
  ['net.tcp.passive_opens_ps', 'PassiveOpens'],
  ['net.tcp.retrans_segs_ps', 'RetransSegs'],
  ['net.tcp.in_errs_ps', 'InErrs'],
];

export class NetworkSource implements Source {
  readonly name = 'network';
  private readonly dev: KeptFile;
  private readonly snmp: KeptFile;
  private readonly rates = new Rates();

  constructor(private readonly ctx: SourceContext) {
    this.dev = new KeptFile(`${ctx.procRoot}/net/dev`);
    this.snmp = new KeptFile(`${ctx.procRoot}/net/snmp`);
  }

  collect(out: CollectOutput): void {
    const ifaces = parseNetDev(this.dev.read());
    const tcp = parseSnmp(this.snmp.read()).get('Tcp');
    const r = this.rates;
    r.begin(this.ctx.now());
    for (const s of ifaces) {
      const labels = { if: s.iface };
      for (const [metric, field] of IFACE_RATES) {
        const v = r.rate(`${s.iface}.${field}`, s[field] as number);
        if (v !== null) out.gauge(metric, v, labels);
      }
    }
    if (tcp) {
      const estab = tcp.get('CurrEstab');
      if (estab !== undefined) out.gauge('net.tcp.curr_estab', estab);
      for (const [metric, field] of TCP_RATES) {
        const value = tcp.get(field);
        const v = value === undefined ? null : r.rate(`tcp.${field}`, value);
        if (v !== null) out.gauge(metric, v);
      }
    }
    r.end();
  }

  close(): void {
    this.dev.close();
    this.snmp.close();
  }
}
