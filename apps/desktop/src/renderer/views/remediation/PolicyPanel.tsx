/**
 * The remediation policy as the console applies it: the kill switch (a toggle, audited); the settings
 * (default level, dry-run rule, blast radius, maintenance mode), edited in a form and applied together;
 * and the autonomy level of each runbook for hosts in no group and per host group, each a select. The
 * console checks each change as it checks the file, writes the file and audits it with the values it
 * replaced. Groups and maintenance windows are shown as the file has them and edited there (read at start).
 */
import { useCallback, useEffect, useState } from 'react';
import type { AutonomyLevel, PolicySettingsRequest, RemediationPolicyView } from '@cerebro/shared/api/contract';
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

type DryRunChoice = 'true' | 'false' | 'per-host';

interface Draft {
  defaultLevel: AutonomyLevel;
  requireDryRun: DryRunChoice;
  maxConcurrentHosts: string;
  maxRunsPerHourPerRunbook: string;
  maxRunsPerHourPerHost: string;
  maintenanceMode: RemediationPolicyView['maintenanceMode'];
}

function draftOf(p: RemediationPolicyView): Draft {
  return {
    defaultLevel: p.defaultLevel,
    requireDryRun: String(p.requireDryRun) as DryRunChoice,
    maxConcurrentHosts: String(p.blastRadius.maxConcurrentHosts),
    maxRunsPerHourPerRunbook: String(p.blastRadius.maxRunsPerHourPerRunbook),
    maxRunsPerHourPerHost: String(p.blastRadius.maxRunsPerHourPerHost),
    maintenanceMode: p.maintenanceMode,
  };
}

/** The request for what differs from the policy in force; a limit that is not a whole number is sent as typed, for the console to name. */
export function settingsChanges(p: RemediationPolicyView, d: Draft): PolicySettingsRequest {
  const num = (v: string): number => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN);
  const out: { -readonly [K in keyof PolicySettingsRequest]: PolicySettingsRequest[K] } = {};
  if (d.defaultLevel !== p.defaultLevel) out.defaultLevel = d.defaultLevel;
  const dry = d.requireDryRun === 'per-host' ? 'per-host' : d.requireDryRun === 'true';
  if (dry !== p.requireDryRun) out.requireDryRun = dry;
  const br = { maxConcurrentHosts: num(d.maxConcurrentHosts), maxRunsPerHourPerRunbook: num(d.maxRunsPerHourPerRunbook), maxRunsPerHourPerHost: num(d.maxRunsPerHourPerHost) };
  const changed = Object.fromEntries(Object.entries(br).filter(([k, v]) => v !== p.blastRadius[k as keyof typeof br]));
  if (Object.keys(changed).length > 0) out.blastRadius = Object.fromEntries(Object.entries(changed).map(([k, v]) => [k, Number.isNaN(v) ? d[k as keyof typeof br] : v]));
  if (d.maintenanceMode !== p.maintenanceMode) out.maintenanceMode = d.maintenanceMode;
  return out;
}

function SettingsForm({ policy, busy, onApply }: { policy: RemediationPolicyView; busy: boolean; onApply: (changes: PolicySettingsRequest) => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(policy));
  useEffect(() => setDraft(draftOf(policy)), [policy]);
  const changes = settingsChanges(policy, draft);
  const dirty = Object.keys(changes).length > 0;
  const set = <K extends keyof Draft>(k: K, v: Draft[K]): void => setDraft((d) => ({ ...d, [k]: v }));
  const limit = (k: 'maxConcurrentHosts' | 'maxRunsPerHourPerRunbook' | 'maxRunsPerHourPerHost', label: string) => (
    <label className="rem-setting">
      {label}
      <input type="number" min={0} step={1} value={draft[k]} data-testid={`policy-${k}`} disabled={busy} onChange={(e) => set(k, e.target.value)} />
    </label>
  );
  return (
    <form
      className="rem-settings"
      data-testid="policy-settings"
      onSubmit={(e) => {
        e.preventDefault();
        if (dirty) onApply(changes);
      }}
    >
      <label className="rem-setting">
        Default level
        <select value={draft.defaultLevel} data-testid="policy-default-level" disabled={busy} onChange={(e) => set('defaultLevel', e.target.value as AutonomyLevel)}>
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label className="rem-setting">
        Dry run before a live run
        <select value={draft.requireDryRun} data-testid="policy-require-dry-run" disabled={busy} onChange={(e) => set('requireDryRun', e.target.value as DryRunChoice)}>
          <option value="true">per runbook</option>
          <option value="per-host">per runbook and host</option>
          <option value="false">not required</option>
        </select>
      </label>
      {limit('maxConcurrentHosts', 'Hosts at once')}
      {limit('maxRunsPerHourPerRunbook', 'Runs per runbook per hour')}
      {limit('maxRunsPerHourPerHost', 'Runs per host per hour')}
      <label className="rem-setting">
        Maintenance windows
        <select value={draft.maintenanceMode} data-testid="policy-maintenance-mode" disabled={busy} onChange={(e) => set('maintenanceMode', e.target.value as Draft['maintenanceMode'])}>
          <option value="off">ignored</option>
          <option value="only-inside">autonomous runs only inside</option>
          <option value="never-inside">no autonomous run inside</option>
        </select>
      </label>
      <div className="rem-settings-actions">
        <button type="submit" className="action" data-testid="policy-apply" disabled={busy || !dirty}>
          Apply
        </button>
        <button type="button" className="action" disabled={busy || !dirty} onClick={() => setDraft(draftOf(policy))}>
          Reset
        </button>
      </div>
    </form>
  );
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
  /** A change the console answers with the policy in force (the level routes and the settings route). */
  const change = (request: Promise<RemediationPolicyView>, failed: string): void => {
    setBusy(true);
    request.then(
      (p) => {
        setBusy(false);
        setPolicy(p);
        setError(null);
      },
      (e: Error) => {
        setBusy(false);
        setError(`${failed}: ${e.message}`);
      },
    );
  };
  const setLevel = (runbookId: string, group: string, level: AutonomyLevel): void => change(transport.post('remediationSetLevel', undefined, { runbookId, group, level, operator: 'operator' }), 'the level could not be set');
  const apply = (changes: PolicySettingsRequest): void => change(transport.post('remediationSetSettings', undefined, { ...changes, operator: 'operator' }), 'the settings were not applied');
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
                <code data-testid="policy-file">{policy.file || '(none: defaults)'}</code> <span className="muted">· what is set here is written to it; edit it for groups and windows (read at start)</span>
              </dd>
            </div>
            <div>
              <dt>Dry run</dt>
              <dd data-testid="policy-dry-run">{dryRunRule(policy.requireDryRun)}</dd>
            </div>
            <div>
              <dt>Blast radius</dt>
              <dd data-testid="policy-blast-radius">
                {policy.blastRadius.maxConcurrentHosts} hosts at once · {policy.blastRadius.maxRunsPerHourPerRunbook} runs per runbook per hour · {policy.blastRadius.maxRunsPerHourPerHost} runs per host per hour
              </dd>
            </div>
            <div>
              <dt>Groups</dt>
              <dd data-testid="policy-groups">
                {policy.groups.length === 0 ? <span className="muted">none: every host is in no group</span> : policy.groups.map((g) => `${g}: ${(policy.groupMembers?.[g] ?? []).join(', ') || '(empty)'}`).join(' · ')}
              </dd>
            </div>
            <div>
              <dt>Windows</dt>
              <dd data-testid="policy-windows">
                maintenance mode {policy.maintenanceMode}
                {(policy.maintenanceWindows ?? []).map((w, i) => (
                  <span key={i} className="muted">
                    {' '}
                    · {w.days ? `days ${w.days.join(',')} ` : 'every day '}
                    {w.start}–{w.end} UTC{w.groups ? ` for ${w.groups.join(', ')}` : ''}
                  </span>
                ))}
              </dd>
            </div>
          </dl>
          <SettingsForm policy={policy} busy={busy} onApply={apply} />
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
