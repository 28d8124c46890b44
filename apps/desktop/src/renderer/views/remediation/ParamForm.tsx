/** The runbook's parameters as a form: one input per param (a checkbox for booleans), its hint and its error. */
import type { Runbook } from '@cerebro/shared/api/contract';
import { fieldHint } from './param-form';

export function ParamForm({ runbook, values, errors, locked, onChange }: { runbook: Runbook; values: Readonly<Record<string, string>>; errors: Readonly<Record<string, string>>; locked: boolean; onChange: (name: string, value: string) => void }) {
  const entries = Object.entries(runbook.params);
  if (entries.length === 0) return <p className="muted">This runbook takes no parameters.</p>;
  return (
    <div className="rem-form" data-testid="rem-form">
      {entries.map(([name, p]) => {
        const error = errors[name];
        const id = `rem-param-${name}`;
        return (
          <div key={name} className={`rem-field${error ? ' invalid' : ''}`} data-testid="rem-field" data-param={name}>
            <label htmlFor={id}>
              <code>{name}</code> <span className="muted">{p.description}</span>
            </label>
            {p.type === 'boolean' ? (
              <select id={id} value={values[name] ?? ''} disabled={locked} onChange={(e) => onChange(name, e.target.value)}>
                <option value="">{p.default === undefined ? '(choose)' : `default (${String(p.default)})`}</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : (
              <input id={id} type="text" inputMode={p.type === 'string' ? 'text' : 'decimal'} value={values[name] ?? ''} disabled={locked} placeholder={p.default !== undefined ? String(p.default) : ''} onChange={(e) => onChange(name, e.target.value)} aria-invalid={error ? true : undefined} />
            )}
            <span className="rem-hint muted">{fieldHint(p)}</span>
            {error ? (
              <span className="rem-error" data-testid="rem-field-error">
                {name} {error}
              </span>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
