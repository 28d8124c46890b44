/**
 * Logs: a live tail with search and filters (host, level, template, terms, time window), and a
 * "Templates" tab. Reached from the top bar, the palette, and alert evidence links (#/logs?…, see
 * lib/route.ts logsHash).
 */
import { useState } from 'react';
import { ErrorState, Loading } from '../../components/States';
import { logsHash } from '../../lib/route';
import type { LogsLink } from '../../state/types';
import { LogList } from './LogList';
import { LogsToolbar } from './LogsToolbar';
import { TemplatesTab } from './TemplatesTab';
import { useLogsFeed } from './use-logs-feed';
import './logs.css';

function go(link: LogsLink): void {
  window.location.hash = logsHash(link);
}

export function LogsView({ link }: { link: LogsLink }) {
  const [tab, setTab] = useState<'lines' | 'templates'>('lines');
  const [paused, setPaused] = useState(false);
  const feed = useLogsFeed(link, paused);
  const pickTemplate = (id: string): void => {
    setTab('lines');
    go({ ...link, template: id });
  };
  return (
    <section className="view logs-view" data-testid="logs-view">
      <div className="view-head logs-head">
        <h1>Logs</h1>
        <div className="segmented" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'lines'} className={tab === 'lines' ? 'on' : ''} onClick={() => setTab('lines')}>
            Lines
          </button>
          <button type="button" role="tab" aria-selected={tab === 'templates'} className={tab === 'templates' ? 'on' : ''} onClick={() => setTab('templates')}>
            Templates
          </button>
        </div>
      </div>
      <LogsToolbar key={logsHash(link)} link={link} onChange={go} />
      {tab === 'templates' ? (
        <TemplatesTab link={link} onPick={pickTemplate} />
      ) : feed.status === 'error' ? (
        <ErrorState title="Logs could not be loaded" message={feed.error ?? ''} />
      ) : feed.status === 'loading' ? (
        <Loading what="log lines" />
      ) : (
        <>
          <div className="logs-status muted">
            <span data-testid="logs-count">{feed.lines.length.toLocaleString('en')} lines</span>
            {feed.partial ? <span> · older matches not searched (narrow the filters)</span> : null}
            {feed.live ? (
              <button type="button" className="ghost" onClick={() => setPaused(!paused)} data-testid="logs-pause">
                {paused ? `Resume${feed.held ? ` (${feed.held} new)` : ''}` : 'Pause'}
              </button>
            ) : (
              <span> · fixed window</span>
            )}
          </div>
          {feed.lines.length === 0 ? <p className="muted pad">No matching lines yet{feed.live ? '; new ones appear here as collectors send them' : ''}.</p> : <LogList lines={feed.lines} onTemplate={pickTemplate} />}
        </>
      )}
    </section>
  );
}
