/** The bottom line: is the UI connected, how many collectors report, how fast samples arrive. */
import { useEffect, useState } from 'react';
import { fmtCount } from '../lib/format';
import { useApp } from '../state/store';

export function StatusBar() {
  const { connection, stats } = useApp((s) => ({ connection: s.connection, stats: s.stats }));
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={`conn conn-${connection.state}`} data-conn={connection.state} title={connection.reason ?? ''}>
        <span className="dot" aria-hidden="true" />
        {connection.state === 'open' ? 'Connected' : connection.state === 'connecting' ? 'Connecting…' : <Offline retryAtMs={connection.retryAtMs} reason={connection.reason} />}
      </span>
      <span>
        Collectors <b>{stats ? fmtCount(stats.connectedCollectors) : '—'}</b>
      </span>
      <span>
        Ingest <b>{stats ? fmtCount(stats.samplesPerSec) : '—'}</b> samples/s
      </span>
      <span>
        Series <b>{stats ? fmtCount(stats.store.series) : '—'}</b>
      </span>
    </footer>
  );
}

function Offline({ retryAtMs, reason }: { retryAtMs: number | null; reason: string | null }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (retryAtMs === null) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [retryAtMs]);
  const secs = retryAtMs === null ? null : Math.max(0, Math.ceil((retryAtMs - now) / 1000));
  return (
    <>
      Offline{reason ? `: ${reason}` : ''}
      {secs !== null ? ` — retrying in ${secs} s` : ''}
    </>
  );
}
