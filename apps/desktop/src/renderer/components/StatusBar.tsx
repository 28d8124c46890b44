/** The bottom line: is the UI connected, how many collectors report, how fast samples arrive, how the console itself fares. */
import { useEffect, useState } from 'react';
import { fmtCount } from '../lib/format';
import { useApp } from '../state/store';
import { consoleHealth } from './console-health';
import type { ConnectionInfo } from '../transport/transport';

export function StatusBar() {
  const { connection, stats } = useApp((s) => ({ connection: s.connection, stats: s.stats }));
  const health = consoleHealth(stats);
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={`conn conn-${connection.state}${reconnecting(connection) ? ' conn-reconnecting' : ''}`} data-conn={connection.state} data-reconnecting={reconnecting(connection)} title={connection.reason ?? ''}>
        <span className="dot" aria-hidden="true" />
        {connection.state === 'open' ? 'Connected' : connection.state === 'connecting' ? (connection.reason ? 'Reconnecting…' : 'Connecting…') : <Offline retryAtMs={connection.retryAtMs} reason={connection.reason} />}
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
      {health && (
        <span className={health.strained ? 'health-strained' : undefined} data-testid="console-health" data-strained={health.strained} title={health.title}>
          Console <b>{health.text}</b>
        </span>
      )}
    </footer>
  );
}

/** Lost and retrying (as opposed to a first attempt, or offline for good such as without a token). */
function reconnecting(c: ConnectionInfo): boolean {
  return c.reason !== null && (c.state === 'connecting' || c.retryAtMs !== null);
}

function Offline({ retryAtMs, reason }: { retryAtMs: number | null; reason: string | null }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (retryAtMs === null) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [retryAtMs]);
  const secs = retryAtMs === null ? null : Math.max(0, Math.ceil((retryAtMs - now) / 1000));
  if (secs === null) return <>Offline{reason ? `: ${reason}` : ''}</>;
  return (
    <>
      Reconnecting in {secs} s{reason ? ` (${reason})` : ''}
    </>
  );
}
