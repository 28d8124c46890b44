/**
 * Types for code that tests and benchmarks run inside the page (page.evaluate): the DOM, and what the
 * renderer publishes for them on window.
 */
/// <reference lib="dom" />
import type { TopologyTestHook } from '@cerebro/shared/topology/test-hook';

declare global {
  interface Window {
    __cerebroTopology?: TopologyTestHook;
  }
}

export type { TopologyTestHook };
