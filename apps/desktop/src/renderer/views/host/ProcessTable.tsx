/** The host's processes from its latest scan, sortable and searchable. */
import { useMemo } from 'react';
import { processSearchChanged, processSortChanged } from '../../state/actions';
import { dispatch, useApp } from '../../state/store';
import type { ProcessSortKey } from '../../state/types';
import { fmtBytes, fmtClock, fmtCount, fmtRate } from '../../lib/format';
import { filterProcesses, sortProcesses } from './process-rows';

/** Why a disk rate shows a dash. */
const diskUnknown = "Not known: the collector may not read this process's /proc/<pid>/io (another user's process without CAP_SYS_PTRACE), has not scanned it twice yet, or predates per-process disk I/O";

/** Rows rendered at most; the search narrows the rest. */
const MAX_ROWS = 300;

const COLUMNS: ReadonlyArray<{ key: ProcessSortKey; label: string; num?: boolean }> = [
  { key: 'pid', label: 'PID', num: true },
  { key: 'name', label: 'Name' },
  { key: 'user', label: 'User' },
  { key: 'cpuPct', label: 'CPU %', num: true },
  { key: 'rssBytes', label: 'Memory', num: true },
  { key: 'readBps', label: 'Disk read', num: true },
  { key: 'writeBps', label: 'Disk write', num: true },
  { key: 'threads', label: 'Threads', num: true },
];

export function ProcessTable() {
  const { table, sort, search } = useApp((s) => ({ table: s.hostView.processes, sort: s.hostView.processSort, search: s.hostView.processSearch }));
  const rows = useMemo(() => sortProcesses(filterProcesses(table?.rows ?? [], search), sort), [table, sort, search]);
  return (
    <section className="panel" data-testid="process-panel">
      <div className="panel-head">
        <h2>Processes</h2>
        <span className="muted">{table?.ts ? `scan at ${fmtClock(table.ts)} · ${fmtCount(table.rows.length)} processes` : ''}</span>
        <input type="search" className="search" placeholder="Search processes" value={search} onChange={(e) => dispatch(processSearchChanged, e.target.value)} aria-label="Search processes" />
      </div>
      {table === null ? (
        <p className="muted pad">Waiting for the first process scan…</p>
      ) : table.ts === null ? (
        <p className="muted pad">This host's collector sends no process table (the processes source may be switched off in its config).</p>
      ) : (
        <div className="table-scroll">
          <table className="proc-table" data-testid="process-table">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.key} className={c.num ? 'num' : ''}>
                    <button type="button" className={`th${sort.key === c.key ? ' sorted' : ''}`} onClick={() => dispatch(processSortChanged, c.key)}>
                      {c.label}
                      {sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                    </button>
                  </th>
                ))}
                <th>
                  <span className="th">Command</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, MAX_ROWS).map((p) => (
                <tr key={`${p.pid}:${p.startMs}`}>
                  <td className="num">{p.pid}</td>
                  <td className="strong">{p.name}</td>
                  <td>{p.user}</td>
                  <td className="num">{p.cpuPct.toFixed(1)}</td>
                  <td className="num">{fmtBytes(p.rssBytes)}</td>
                  <td className="num" title={p.readBps == null ? diskUnknown : undefined}>{fmtRate(p.readBps)}</td>
                  <td className="num" title={p.writeBps == null ? diskUnknown : undefined}>{fmtRate(p.writeBps)}</td>
                  <td className="num">{p.threads}</td>
                  <td className="cmd" title={p.cmd}>
                    {p.cmd || <span className="muted">[{p.name}]</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length > MAX_ROWS ? <p className="muted pad">Showing {MAX_ROWS} of {fmtCount(rows.length)}: search to narrow the list.</p> : null}
          {rows.length === 0 ? <p className="muted pad">No process matches “{search}”.</p> : null}
        </div>
      )}
    </section>
  );
}
