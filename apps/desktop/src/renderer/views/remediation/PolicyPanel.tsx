/**
 * The remediation policy as the console applies it: the kill switch (a toggle, audited), the dry-run
 * rule, and the autonomy level of each runbook for hosts in no group and per host group, each a select
 * (the console writes the policy file and audits the change). Groups, limits and windows are edited in
 * the file, whose path is shown; the console reads it at start.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AutonomyLevel, RemediationPolicyView } from '@cerebro/shared/api/contract';
import { fmtClock } from '../../lib/format';
import { useTransport } from '../../transport/context';

const LEVELS: readonly AutonomyLevel[] = ['observe', 'suggest', 'one-click', 'autonomous'];

function LevelSelect({ runbookId, group, level, disabled, onSet }: { runbookId: string; group: string; level: AutonomyLevel; disabled: boolean; onSet: (runbookId: string, group: string, level: AutonomyLevel) => void }) {
  return (
    <select className={`rem-level level-${level}`} value={level} disabled={disabled} data-testid="policy-level" data-group={group} aria-label={`Level of ${runbookId}${group === '*' ? '' : ` in group ${group}`}`} onChange={(e) => onSet(runbookId, group, e.target.value as AutonomyLevel)}>
      {LEVELS.map((l) => (
        <option key={l} value={l}>
          {l}
        </option>
      ))}
    </select>
  );
}

function dryRunRule(v: RemediationPolicyView['requireDryRun']): string {
  return v === false ? 'off: runbooks may run live without a dry run' : v === 'per-host' ? 'a dry run of each runbook on each host before its first live run there' : 'a dry run of each runbook (its current version) before its first live run';
}

export function PolicyPanel() {
  const transport = useTransport();
  const [policy, setPolicy] = useState<RemediationPolicyView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    transport.request('remediationPolicy').then(
      (p) => {
        setPolicy(p);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, [transport]);
  useEffect(load, [load]);
  const setLevel = (runbookId: string, group: string, level: AutonomyLevel): void => {
    setBusy(true);
    transport.post('remediationSetLevel', undefined, { runbookId, group, level, operator: 'operator' }).then(
      (p) => {
        setBusy(false);
        setPolicy(p);
        setError(null);
      },
      (e: Error) => {
        setBusy(false);
        setError(`the level could not be set: ${e.message}`);
      },
    );
  };
  const toggle = (): void => {
    if (!policy) return;
    setBusy(true);
    transport.post('killSwitch', undefined, { on: !policy.killSwitch, operator: 'operator' }).then(
      () => {
        setBusy(false);
        load();
      },
      (e: Error) => {
        setBusy(false);
        setError(`the kill switch could not be changed: ${e.message}`);
      },
    );
  };
  return (
    <section className="panel rem-policy" data-testid="policy-panel" data-kill-switch={policy?.killSwitch ?? ''}>
      <div className="panel-head">
        <h2>Policy</h2>
        {policy ? (
          <button type="button" className={`action${policy.killSwitch ? ' danger' : ''}`} data-testid="kill-switch" aria-pressed={policy.killSwitch} disabled={busy} onClick={toggle} title="With the kill switch on, no autonomous action runs (operators still can)">
            Kill switch: {policy.killSwitch ? 'ON (autonomous runs stopped)' : 'off'}
          </button>
        ) : null}
      </div>
      {error ? <p className="rem-error pad">{error}</p> : null}
      {!policy ? (
        !error ? <p className="muted pad">Loading the policy…</p> : null
      ) : (
        <>
          <dl className="facts">
            <div>
              <dt>File</dt>
              <dd>
                <code data-testid="policy-file">{policy.file || '(none: defaults)'}</code> <span className="muted">· levels set here are written to it; edit it for groups, limits and windows (read at start)</span>
              </dd>
            </div>
            <div>
              <dt>Dry run</dt>
              <dd data-testid="policy-dry-run">{dryRunRule(policy.requireDryRun)}</dd>
            </div>
            <div>
              <dt>Blast radius</dt>
              <dd>
                {policy.blastRadius.maxConcurrentHosts} hosts at once · {policy.blastRadius.maxRunsPerHourPerRunbook} runs per runbook per hour · {policy.blastRadius.maxRunsPerHourPerHost} runs per host per hour
              </dd>
            </div>
            <div>
              <dt>Windows</dt>
              <dd>maintenance mode {policy.maintenanceMode}</dd>
            </div>
          </dl>
          <div className="table-scroll">
            <table className="rem-table" data-testid="policy-levels">
              <thead>
                <tr>
                  <th>Runbook</th>
                  <th>Level</th>
                  {policy.groups.map((g) => (
                    <th key={g}>group {g}</th>
                  ))}
                  <th>Last dry run</th>
                </tr>
              </thead>
              <tbody>
                {policy.runbooks.map((r) => (
                  <tr key={r.runbookId} data-testid="policy-runbook" data-runbook={r.runbookId} data-level={r.level}>
                    <td title={r.title}>
                      <code>{r.runbookId}</code>
                    </td>
                    <td>
                      <LevelSelect runbookId={r.runbookId} group="*" level={r.level} disabled={busy} onSet={setLevel} />
                    </td>
                    {policy.groups.map((g) => (
                      <td key={g}>
                        <LevelSelect runbookId={r.runbookId} group={g} level={r.byGroup[g] ?? r.level} disabled={busy} onSet={setLevel} />
                      </td>
                    ))}
                    <td className="muted">{r.lastDryRun ? `${fmtClock(r.lastDryRun.atMs)} by ${r.lastDryRun.by} on ${r.lastDryRun.hostId}` : 'never'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
