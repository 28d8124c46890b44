/** The model host's state in words (pure), for the agents' panels. */
import type { ModelStatus, ModelsView } from '@cerebro/shared/api/contract';

/** What the model host is doing, in words, for the panel's header. */
export function modelMessage(view: ModelsView | null, status: ModelStatus | null): { readonly state: 'unconfigured' | ModelStatus['state'] | 'unknown'; readonly text: string } {
  const s = status ?? view?.status ?? null;
  if (view && view.dir === null) return { state: 'unconfigured', text: 'No models folder is configured: diagnoses come from the root-cause ranking. Start the console with --models-dir DIR and copy a GGUF model there.' };
  if (!s) return { state: 'unknown', text: 'Model state unknown (the console has not answered yet).' };
  switch (s.state) {
    case 'none':
      return { state: 'none', text: view && view.files.length === 0 ? `No model is loaded, and the models folder${view.dir ? ` ${view.dir}` : ''} holds no .gguf file: diagnoses come from the root-cause ranking.` : 'No model is loaded: diagnoses come from the root-cause ranking. Load one below.' };
    case 'loading':
      return { state: 'loading', text: `Loading ${s.file ?? 'the model'}: ${Math.round(s.progress * 100)} %` };
    case 'loaded':
      return { state: 'loaded', text: `Model ${s.file ?? ''} loaded (${s.threads} thread${s.threads === 1 ? '' : 's'}, context ${s.contextSize ?? '?'} tokens).` };
    case 'failed':
      return { state: 'failed', text: `The last model load failed: ${s.error ?? 'unknown error'}. Diagnoses come from the root-cause ranking.` };
  }
}
