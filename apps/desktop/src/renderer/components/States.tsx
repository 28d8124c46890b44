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

/**
 * The console runs but no collector has ever reported: the exact commands to start a first one, with the
 * ingest address the console really listens on (GET /health; a placeholder until it answers).
 */
export function EmptyFleet({ ingestUrl }: { ingestUrl: string | null }) {
  const ingest = ingestUrl ?? 'ws://CONSOLE-HOST:INGEST-PORT/ingest';
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
      <p className="muted">
        This console takes collectors at <code data-testid="ingest-url">{ingest}</code> (set with <code>--ingest-host</code> / <code>--ingest-port</code>, or CEREBRO_INGEST_PORT for <code>npm start</code>); from another server use an address of this machine it can reach. The host appears here within a few seconds of the collector's first batch.
      </p>
    </div>
  );
}
