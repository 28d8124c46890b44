/** What to show instead of data: loading, an error with what to do, and the first-run instructions. */
import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status">
      <div className="spinner" aria-hidden="true" />
      <p>Loading {what}…</p>
    </div>
  );
}

export function ErrorState({ title, message, hint }: { title: string; message: string; hint?: ReactNode }) {
  return (
    <div className="state state-error" role="alert">
      <h2>{title}</h2>
      <p className="state-message">{message}</p>
      {hint ? <div className="state-hint">{hint}</div> : null}
    </div>
  );
}

/** The console runs but no collector has ever reported: the exact commands to start a first one. */
export function EmptyFleet() {
  const ingest = `ws://${window.location.hostname}:7070/ingest`;
  return (
    <div className="state state-empty" data-testid="empty-fleet">
      <h2>No hosts yet</h2>
      <p>The console is running, but no collector has connected. Start one on each server you want to watch.</p>
      <ol className="steps">
        <li>
          <p>On this machine, from the repository, everything at once (console and a collector for this host):</p>
          <pre>npm start</pre>
        </li>
        <li>
          <p>Or, with this console running, create an ingest token and start a collector with it:</p>
          <pre>{`npx --no cerebro-console token create --label my-first-host > collector.token
npx --no cerebro-collector run --console ${ingest} --token-file collector.token`}</pre>
        </li>
      </ol>
      <p className="muted">7070 is the default ingest port (CEREBRO_INGEST_PORT). The host appears here within a few seconds of the collector's first batch.</p>
    </div>
  );
}
