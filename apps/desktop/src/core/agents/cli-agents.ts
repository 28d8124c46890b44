/**
 * `cerebro-console models [--json]`, `models load FILE`, `models unload` and `diagnose INCIDENT [--json]
 * [--rules]`: the model host and the diagnosis agent of the running console, through its API.
 */
import { routePath, type ApiErrorBody, type RouteName, type RouteResponses } from '@cerebro/shared/api/contract';
import type { ConsoleInfo } from '../paths';

export class AgentsCliError extends Error {}

async function call<N extends RouteName>(info: ConsoleInfo, name: N, id?: string, body?: object): Promise<RouteResponses[N]> {
  let res: Response;
  try {
    res = await fetch(new URL(routePath(name, id), info.apiUrl), {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${info.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new AgentsCliError(`the console at ${info.apiUrl} (pid ${info.pid}) does not answer (${(e as Error).message}); is it still running?`);
  }
  const parsed = (await res.json()) as RouteResponses[N] | ApiErrorBody;
  if (!res.ok) throw new AgentsCliError(`console: ${(parsed as ApiErrorBody).error?.message ?? res.statusText}`);
  return parsed as RouteResponses[N];
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export async function modelsCommand(info: ConsoleInfo, args: readonly string[], json: boolean, out: (text: string) => void): Promise<void> {
  const [sub, file] = args;
  if (sub === 'load') {
    if (!file) throw new AgentsCliError('models load needs a file name from `cerebro-console models`');
    const s = await call(info, 'loadModel', undefined, { file });
    out(json ? JSON.stringify(s, null, 2) : `${s.file} loaded in ${s.loadMs} ms (${s.threads} threads, context ${s.contextSize} tokens)`);
    return;
  }
  if (sub === 'unload') {
    const s = await call(info, 'unloadModel', undefined, {});
    out(json ? JSON.stringify(s, null, 2) : 'no model loaded');
    return;
  }
  if (sub !== undefined) throw new AgentsCliError(`unknown models subcommand "${sub}": use \`models\`, \`models load FILE\` or \`models unload\``);
  const view = await call(info, 'models');
  if (json) {
    out(JSON.stringify(view, null, 2));
    return;
  }
  if (view.dir === null) {
    out('no models folder configured: start the console with --models-dir DIR');
    return;
  }
  const s = view.status;
  out(`folder ${view.dir}; ${s.state === 'loaded' ? `loaded: ${s.file} (${s.threads} threads)` : s.state === 'loading' ? `loading ${s.file}: ${Math.round(s.progress * 100)} %` : s.state === 'failed' ? `last load failed: ${s.error}` : 'no model loaded'}`);
  if (view.files.length === 0) out('no .gguf files in it: copy a GGUF model file there');
  for (const f of view.files) {
    out(f.error ? `  ${f.file}  ${mb(f.bytes)}  UNUSABLE: ${f.error}` : `  ${f.file}  ${mb(f.bytes)}  ${f.architecture} ${f.name ?? ''} ${f.blockCount ?? '?'} layers ${f.fileType ?? ''}`);
  }
}

export async function diagnoseCommand(info: ConsoleInfo, incidentId: string | undefined, o: { json: boolean; rules: boolean }, out: (text: string) => void): Promise<void> {
  if (!incidentId) throw new AgentsCliError('diagnose needs an incident id (from `cerebro-console incidents`)');
  const r = await call(info, 'diagnose', incidentId, { wait: true, rulesOnly: o.rules });
  if (o.json) {
    out(JSON.stringify(r, null, 2));
    return;
  }
  if (r.state !== 'done' || !r.diagnosis) throw new AgentsCliError(`the diagnosis of ${incidentId} failed: ${r.error ?? r.state}`);
  const d = r.diagnosis;
  out(`${d.summary}\nroot cause: ${d.rootCause}\nconfidence: ${d.confidence}  (from ${r.source === 'model' ? `the model ${r.model}` : 'the root-cause ranking'})`);
  for (const e of d.evidence) out(`  evidence: ${e}`);
  for (const s of r.similar) out(`  similar past incident: ${s.incidentId} ${s.title}`);
  for (const n of r.notes) out(`  note: ${n}`);
  const p = r.plan;
  if (p) {
    out(p.plan.runbookId ? `plan: ${p.plan.runbookId} on ${p.plan.hostId} (${p.source === 'model' ? 'the model' : 'the rules'}): ${p.plan.reason}` : `plan: none: ${p.plan.reason}`);
    for (const n of p.notes) out(`  plan note: ${n}`);
  }
}
