/** Publishing the drawn topology on `window.__cerebroTopology` (shape and purpose: shared/src/topology/test-hook.ts). */
import type { TopologyTestHook } from '@cerebro/shared/topology/test-hook';

export type { TopologyTestHook };

declare global {
  interface Window {
    __cerebroTopology?: TopologyTestHook;
  }
}

export function publishTopology(hook: TopologyTestHook | undefined): void {
  if (hook) window.__cerebroTopology = hook;
  else delete window.__cerebroTopology;
}
