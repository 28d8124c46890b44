/** Static facts about the host and the space left on its filesystems. */
import type { Host, SeriesInfo } from '@cerebro/shared/api/contract';
import { parseSeriesKey } from '@cerebro/shared/protocol/series';
import { fmtAgo, fmtBytes, fmtPct } from '../../lib/format';

function mounts(series: readonly SeriesInfo[]): Array<{ mount: string; pct: number; size: number | null }> {
  const size = new Map<string, number>();
  const out: Array<{ mount: string; pct: number; size: number | null }> = [];
  for (const s of series) {
    const p = parseSeriesKey(s.key);
    const m = p?.labels['mount'];
    if (m === undefined) continue;
    if (p?.name === 'fs.size_bytes') size.set(m, s.lastValue);
    if (p?.name === 'fs.used_pct') out.push({ mount: m, pct: s.lastValue, size: null });
  }
  return out.map((o) => ({ ...o, size: size.get(o.mount) ?? null })).sort((a, b) => a.mount.localeCompare(b.mount));
}

export function InventoryPanel({ host, series, nowMs }: { host: Host; series: readonly SeriesInfo[]; nowMs: number }) {
  const inv = host.inventory;
  const rows: Array<[string, string]> = inv
    ? [
        ['OS', `${inv.os.distro} ${inv.os.release}`.trim()],
        ['Kernel', `${inv.os.kernel} (${inv.os.arch})`],
        ['CPU', `${inv.cpu.model} · ${inv.cpu.cores} cores`],
        ['Memory', fmtBytes(inv.memory.totalBytes)],
        ['System', `${inv.system.manufacturer} ${inv.system.model}${inv.system.virtual ? ' (virtual)' : ''}`.trim()],
        ['Booted', fmtAgo(inv.bootTimeMs, nowMs)],
        ['Addresses', inv.addresses.join(', ') || '—'],
      ]
    : [];
  rows.push(['Collector', `${host.agent.name} ${host.agent.version} · ${host.address}`]);
  const fs = mounts(series);
  return (
    <section className="panel" data-testid="inventory-panel">
      <div className="panel-head">
        <h2>Inventory</h2>
      </div>
      {!inv ? <p className="muted pad">The collector has not sent its inventory yet.</p> : null}
      <dl className="facts">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {fs.length > 0 ? (
        <>
          <h3 className="subhead">Filesystems</h3>
          <ul className="mounts">
            {fs.map((m) => (
              <li key={m.mount}>
                <span className="mount-name">{m.mount}</span>
                <span className="bar" aria-hidden="true">
                  <span className={m.pct > 85 ? 'warn' : ''} style={{ width: `${Math.min(100, m.pct)}%` }} />
                </span>
                <span className="num">{fmtPct(m.pct)}</span>
                <span className="muted num">{fmtBytes(m.size)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
