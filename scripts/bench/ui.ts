/**
 * `ui`: how fast the console UI shows a big fleet, and how smoothly it draws a big topology. The real
 * console core serves the built renderer; 1,000 simulated hosts (ui-load.ts) feed it a 2,000-node topology;
 * Debian's headless Chromium (the flags of MACHINE-FACTS.md) measures
 *  - firstFleetRenderMs: navigation start → the fleet table's first rows in the DOM (the renderer's
 *    performance.mark 'cerebro:fleet-rows'), median of fresh page loads;
 *  - topologyFps: frames per second of the topology view while it is panned and zoomed for 5 s (synthetic
 *    mouse drags and wheel events, one per frame, counted with requestAnimationFrame), median of the
 *    one-second buckets, once the layout has settled.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { numberOption, parseOptions } from './args';
import type { Bench } from './bench';
import { Cleanup } from './cleanup';
import { consoleApi, createToken, ensureBundles, REPO_ROOT, startConsole } from './console-process';
import { progress, type BenchResult } from './report';
import { tempDir, waitFor } from './spawned';
import { round } from './stats';
import { UiSimHost } from './ui-load';
import '../../test/helpers/page-globals';

const NAME = 'ui';
const log = (m: string): void => progress(NAME, m);
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const FIRST_ROWS_MARK = 'cerebro:fleet-rows';

const options = {
  hosts: { type: 'string', help: 'simulated hosts (each adds a host and a service process to the topology)', default: '1000' },
  loads: { type: 'string', help: 'fresh page loads timed for the first fleet render', default: '3' },
  seconds: { type: 'string', help: 'seconds of panning and zooming the topology', default: '5' },
  build: { type: 'boolean', help: 'rebuild the bundles first even if they look current' },
} as const;

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The renderer is built by scripts/build.mjs too; rebuild when its sources are newer than its index.html. */
function rendererStale(): boolean {
  const index = path.join(REPO_ROOT, 'apps/desktop/dist/renderer/index.html');
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  for (const dir of ['apps/desktop/src/renderer', 'shared/src']) {
    for (const e of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })) {
      if (e.isFile() && /\.(tsx?|css|html)$/.test(e.name) && fs.statSync(path.join(e.parentPath, e.name)).mtimeMs > built) return true;
    }
  }
  return false;
}

/** One fresh page load of the fleet: ms from navigation start to the first rows, and the fleet request's duration. */
async function timeFleetLoad(newPage: () => Promise<Page>, url: string): Promise<{ firstRowsMs: number; fleetRequestMs: number | null; rows: number }> {
  const page = await newPage();
  try {
    await page.goto(url);
    await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, FIRST_ROWS_MARK, { timeout: 120_000, polling: 50 });
    return await page.evaluate((mark) => {
      const firstRowsMs = (performance.getEntriesByName(mark)[0] as PerformanceEntry).startTime;
      const fleet = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/fleet')) as PerformanceResourceTiming | undefined;
      return { firstRowsMs, fleetRequestMs: fleet ? fleet.responseEnd - fleet.startTime : null, rows: document.querySelectorAll('[data-testid="fleet-row"]').length };
    }, FIRST_ROWS_MARK);
  } finally {
    await page.close();
  }
}

/** In the page: drive pan and zoom on the canvas one event per frame for `seconds`, counting frames. */
async function measureTopologyFps(page: Page, seconds: number): Promise<{ perSecond: number[]; drawMs: number[] }> {
  return page.evaluate(async (secs) => {
    const canvas = document.querySelector('[data-testid="topology-canvas"]') as HTMLCanvasElement;
    const r = canvas.getBoundingClientRect();
    const cx = r.left + r.width / 2;
    const cy = r.top + r.height / 2;
    const perSecond: number[] = [];
    const drawMs: number[] = [];
    const mouse = (type: string, x: number, y: number, target: EventTarget): void => {
      target.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0, buttons: type === 'mouseup' ? 0 : 1 }));
    };
    await new Promise<void>((resolve) => {
      const start = performance.now();
      let bucketStart = start;
      let frames = 0;
      let dragging = false;
      let lastFrames = window.__cerebroTopology?.frames ?? 0;
      const frame = (now: number): void => {
        frames++;
        const hook = window.__cerebroTopology;
        if (hook && hook.frames !== lastFrames) {
          drawMs.push(hook.lastDrawMs);
          lastFrames = hook.frames;
        }
        if (now - bucketStart >= 1000) {
          perSecond.push((frames * 1000) / (now - bucketStart));
          frames = 0;
          bucketStart = now;
        }
        const t = (now - start) / 1000;
        if (t >= secs) {
          if (dragging) mouse('mouseup', cx, cy, window);
          resolve();
          return;
        }
        // Alternate half-second phases: drag in a circle, then wheel in and out around the centre.
        const phase = Math.floor(t * 2) % 2;
        if (phase === 0) {
          const x = cx + Math.cos(t * 4) * 120;
          const y = cy + Math.sin(t * 4) * 80;
          if (!dragging) {
            mouse('mousedown', x, y, canvas);
            dragging = true;
          } else mouse('mousemove', x, y, window);
        } else {
          if (dragging) {
            mouse('mouseup', cx, cy, window);
            dragging = false;
          }
          canvas.dispatchEvent(new WheelEvent('wheel', { bubbles: true, cancelable: true, clientX: cx, clientY: cy, deltaY: Math.sin(t * 6) * 60, view: window }));
        }
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    return { perSecond, drawMs };
  }, seconds);
}

export const uiBench: Bench = {
  name: NAME,
  summary: 'first fleet render (1,000 simulated hosts) and topology frames per second (2,000 nodes) in headless Chromium',
  options,
  async run(argv): Promise<BenchResult> {
    const values = parseOptions(NAME, argv, options);
    const hosts = numberOption(NAME, values, 'hosts', 1000, 2, 5000);
    const loads = numberOption(NAME, values, 'loads', 3, 1, 20);
    const seconds = numberOption(NAME, values, 'seconds', 5, 2, 120);
    const skipped: Record<string, string> = {};
    if (!fs.existsSync(CHROMIUM)) {
      skipped['firstFleetRenderMs'] = skipped['topologyFps'] = `Chromium not found at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`;
      return { bench: NAME, figures: { firstFleetRenderMs: null, topologyFps: null, hosts }, skipped };
    }
    const cleanup = new Cleanup();
    const sims: UiSimHost[] = [];
    try {
      const built = ensureBundles(log, values['build'] === true);
      if (!built && rendererStale()) ensureBundles(log, true);
      const home = tempDir(cleanup, 'ui');
      const token = createToken(home);
      const con = await startConsole(cleanup, home);
      log(`console pid ${con.proc.pid}; connecting ${hosts} simulated hosts`);
      for (let i = 0; i < hosts; i++) sims.push(new UiSimHost(con.info.ingestUrl, token, i, hosts));
      cleanup.add('close the simulated hosts', () => sims.forEach((s) => s.close()));
      // In slices: a thousand simultaneous handshakes only measure the accept queue.
      for (let i = 0; i < sims.length; i += 100) await Promise.all(sims.slice(i, i + 100).map((s) => s.connect()));
      for (const s of sims) s.start(5_000);
      const topo = await waitFor('every host in the topology', 120_000, async () => {
        const t = await consoleApi(con.info, 'topology');
        return t.hostsWithSockets >= hosts ? t : null;
      }, 500);
      const connects = topo.edges.filter((e) => e.kind === 'connects').length;
      log(`topology: ${topo.nodes.length} nodes, ${topo.edges.length} edges (${connects} connections)`);
      const info = JSON.parse(fs.readFileSync(path.join(home, 'console.json'), 'utf8')) as { uiUrl: string };

      const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-bench-chromium-'));
      cleanup.add(`remove ${profile}`, () => fs.rmSync(profile, { recursive: true, force: true }));
      const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
      cleanup.add('close Chromium', () => context.close());
      // tsx compiles this file with esbuild's keepNames, which wraps the in-page helpers in __name(): define it there.
      await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
      const newPage = (): Promise<Page> => context.newPage();

      const runs: Array<{ firstRowsMs: number; fleetRequestMs: number | null; rows: number }> = [];
      for (let i = 0; i < loads; i++) {
        const r = await timeFleetLoad(newPage, info.uiUrl);
        runs.push(r);
        log(`fleet load ${i + 1}/${loads}: first rows at ${Math.round(r.firstRowsMs)} ms (GET /fleet ${r.fleetRequestMs === null ? '?' : Math.round(r.fleetRequestMs)} ms, ${r.rows} rows in the DOM)`);
      }

      const page = await newPage();
      await page.goto(info.uiUrl);
      await page.waitForFunction(() => document.querySelector('[data-testid="fleet-view"]') !== null, undefined, { timeout: 60_000 });
      const t0 = Date.now();
      await page.evaluate(() => (window.location.hash = '#/topology'));
      await page.waitForFunction((n) => (window.__cerebroTopology?.nodes.length ?? 0) >= n, topo.nodes.length, { timeout: 60_000, polling: 50 });
      const shownMs = Date.now() - t0;
      await page.waitForFunction(() => window.__cerebroTopology?.settled === true, undefined, { timeout: 120_000, polling: 100 });
      const settleMs = Date.now() - t0;
      log(`topology drawn ${shownMs} ms after opening it, layout settled after ${settleMs} ms; panning and zooming for ${seconds} s`);
      const fps = await measureTopologyFps(page, seconds);
      const drawn = await page.evaluate(() => window.__cerebroTopology?.nodes.length ?? 0);
      // After the pan/zoom has been still long enough for the full-quality re-render, then fitted whole.
      await page.waitForTimeout(600);
      await page.screenshot({ path: path.join(REPO_ROOT, 'test/artifacts/bench-topology.png') }).catch(() => undefined);
      await page.evaluate(() => document.querySelector('[data-testid="topology-canvas"]')?.dispatchEvent(new Event('cerebro:fit')));
      await page.waitForTimeout(1_000);
      await page.screenshot({ path: path.join(REPO_ROOT, 'test/artifacts/bench-topology-fit.png') }).catch(() => undefined);
      await page.close();

      const sortedDraw = [...fps.drawMs].sort((a, b) => a - b);
      const figures = {
        firstFleetRenderMs: round(median(runs.map((r) => r.firstRowsMs)) as number, 0),
        topologyFps: round(median(fps.perSecond) as number, 1),
        hosts,
        topologyNodes: drawn,
        topologyEdges: topo.edges.length,
        firstFleetRenderRunsMs: runs.map((r) => round(r.firstRowsMs, 0)),
        fleetRequestMsMedian: round(median(runs.flatMap((r) => (r.fleetRequestMs === null ? [] : [r.fleetRequestMs]))) ?? 0, 0),
        topologyFpsPerSecond: fps.perSecond.map((f) => round(f, 1)),
        topologyDrawMsMedian: round(median(sortedDraw) ?? 0, 2),
        topologyDrawMsP95: round(sortedDraw[Math.floor(sortedDraw.length * 0.95)] ?? 0, 2),
        topologyShownMs: shownMs,
        topologySettleMs: settleMs,
        simErrors: sims.reduce((a, s) => a + s.errors, 0),
      };
      return { bench: NAME, figures, skipped };
    } finally {
      await cleanup.run();
    }
  },
};
