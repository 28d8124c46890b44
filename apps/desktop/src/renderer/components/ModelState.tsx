/** The local model's state in one line (none configured, none loaded, loading with progress, loaded, failed), with a load control. */
import { useState } from 'react';
import type { ModelsFeed } from '../feeds/use-models-feed';
import { modelMessage } from './model-message';

export function ModelState({ models }: { models: ModelsFeed }) {
  const m = modelMessage(models.view, models.status);
  const usable = (models.view?.files ?? []).filter((f) => f.error === undefined);
  const [file, setFile] = useState('');
  const chosen = file || usable[0]?.file || '';
  const loading = m.state === 'loading';
  return (
    <div className={`model-state model-${m.state}`} data-testid="model-state" data-state={m.state}>
      <span className="model-state-text">{m.text}</span>
      {loading ? <progress max={1} value={models.status?.progress ?? 0} /> : null}
      {m.state !== 'unconfigured' && m.state !== 'loaded' && !loading && usable.length > 0 ? (
        <span className="model-load">
          <select value={chosen} onChange={(e) => setFile(e.target.value)} aria-label="Model file" data-testid="model-file">
            {usable.map((f) => (
              <option key={f.file} value={f.file}>
                {f.file}
              </option>
            ))}
          </select>
          <button type="button" className="action" onClick={() => models.load(chosen)} data-testid="model-load">
            Load
          </button>
        </span>
      ) : null}
      {models.error ? (
        <span className="model-error" role="alert">
          {models.error}
        </span>
      ) : null}
    </div>
  );
}
