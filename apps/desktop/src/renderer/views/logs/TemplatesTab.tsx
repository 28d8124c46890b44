/** Templates of the link's host and window (last hour by default): counts, levels, a sparkline; a click filters the lines. */
import { useEffect, useState } from 'react';
import type { LogTemplatesView } from '@cerebro/shared/api/contract';
import { ErrorState, Loading } from '../../components/States';
import type { LogsLink } from '../../state/types';
import { useTransport } from '../../transport/context';
import { TemplateSpark } from './TemplateSpark';

export function TemplatesTab({ link, onPick }: { link: LogsLink; onPick: (id: string) => void }) {
  const transport = useTransport();
  const [view, setView] = useState<LogTemplatesView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const query: Record<string, string | number> = {};
    if (link.host) query['host'] = link.host;
    if (link.from !== undefined) query['from'] = link.from;
    if (link.to !== undefined) query['to'] = link.to;
    const load = (): void => {
      transport.request('logTemplates', { query }).then(
        (v) => alive && setView(v),
        (e: Error) => alive && setError(e.message),
      );
    };
    load();
    // A live window refreshes; a fixed one (`to`) does not change.
    const timer = link.to === undefined ? setInterval(load, 10_000) : null;
    return () => {
      alive = false;
      if (timer) clearInterval(timer);
    };
  }, [transport, link]);
  if (error) return <ErrorState title="Templates could not be loaded" message={error} />;
  if (!view) return <Loading what="templates" />;
  if (view.templates.length === 0) return <p className="muted pad">No log records in this window{link.host ? ` on ${link.host}` : ''}.</p>;
  return (
    <div className="table-scroll">
      <table className="tpl-table" data-testid="templates-table">
        <thead>
          <tr>
            <th className="num">count</th>
            <th>per {Math.round(view.stepMs / 60_000)} min</th>
            <th>levels</th>
            <th>template</th>
          </tr>
        </thead>
        <tbody>
          {view.templates.map((t) => (
            <tr key={t.id} data-testid="template-row" data-template-id={t.id} onClick={() => onPick(t.id)} title="Show its lines">
              <td className="num">{t.count.toLocaleString('en')}</td>
              <td>
                <TemplateSpark values={t.spark} />
              </td>
              <td className="tpl-levels">{t.levels.join(' ')}</td>
              <td className="tpl-text">{t.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
