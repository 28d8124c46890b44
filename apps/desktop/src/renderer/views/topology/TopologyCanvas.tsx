/**
 * The topology drawn on a canvas (not SVG: 2,000 nodes stay interactive): d3-zoom for pan and zoom, a
 * tooltip on hover, a click on a host or process opens its host. The layout is stepped within about half
 * of each frame while it cools and then stops; after that the graph is rendered once into an off-screen
 * canvas and pan/zoom frames only blit it (see renderCache), and a frame is drawn only when something changes.
 */
import { useEffect, useRef, useState } from 'react';
import { select, zoom, zoomIdentity, ZoomTransform, type ZoomBehavior } from 'd3';
import type { TopologyGraph } from '@cerebro/shared/topology/topology';
import { routeHash } from '../../lib/route';
import { MAX_LABELS, clearTopology, drawOverlay, drawTopology, readPalette, type DrawState, type Palette } from './draw';
import { TopologyLayout, type SimNode } from './layout';
import { publishTopology, type TopologyTestHook } from './test-hook';
import { TopologyTooltip } from './TopologyTooltip';

const LAYOUT_BUDGET_MS = 8;
const LAYOUT_BUDGET_MAX_MS = 40;
/** Pan/zoom still for this long: the blitted graph is re-rendered at full quality. */
const IDLE_MS = 200;
/** The cached graph covers the viewport plus this fraction of it on every side. */
const CACHE_MARGIN = 0.5;
/** The cached graph is blitted scaled by at most this factor (either way) before it is re-rendered. */
const CACHE_SCALE = 3;

/** Where the cached rendering was made: its transform (viewport CSS pixels), margins and size (CSS pixels). */
interface CacheInfo {
  readonly t: ZoomTransform;
  readonly mx: number;
  readonly my: number;
  readonly w: number;
  readonly h: number;
  readonly dpr: number;
}

interface Hover {
  readonly node: SimNode;
  readonly x: number;
  readonly y: number;
}

/** `highlight`: node ids drawn over the rest of the graph, which is dimmed (an incident's subgraph); null for none. */
export function TopologyCanvas({ graph, theme, highlight = null }: { graph: TopologyGraph; theme: string; highlight?: ReadonlySet<string> | null }) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layoutRef = useRef<TopologyLayout>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  // Everything the frame loop needs, mutable so that a redraw never waits for React.
  const live = useRef({ transform: zoomIdentity as ZoomTransform, width: 0, height: 0, hover: null as SimNode | null, palette: null as Palette | null, pending: 0, fitted: false, hook: null as TopologyTestHook | null, highlight: highlight, cache: null as CacheInfo | null, interacting: false, idle: 0 as ReturnType<typeof setTimeout> | 0, zoom: null as ZoomBehavior<HTMLCanvasElement, unknown> | null });
  const scheduleRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    const canvas = canvasRef.current as HTMLCanvasElement;
    const wrap = wrapRef.current as HTMLDivElement;
    const ctx = canvas.getContext('2d', { alpha: false }) as CanvasRenderingContext2D;
    const layout = new TopologyLayout();
    layoutRef.current = layout;
    const L = live.current;
    // The settled graph is rendered once into `cache` (the viewport plus a margin on every side) and only
    // blitted with a transform while the view pans and zooms: rasterising 3,000 anti-aliased edges is what
    // costs (tens of ms per frame in software), a drawImage is not. It is re-rendered at full quality once
    // the view has been still for IDLE_MS, or at once when the view leaves it or is scaled too far.
    const cache = document.createElement('canvas');
    const cctx = cache.getContext('2d', { alpha: false }) as CanvasRenderingContext2D;
    const full = (): DrawState => ({ nodes: layout.nodes, links: layout.links, transform: L.transform, width: L.width, height: L.height, dpr: window.devicePixelRatio || 1, hover: L.hover, palette: L.palette as Palette, highlight: L.highlight });
    const renderCache = (): void => {
      const dpr = window.devicePixelRatio || 1;
      const mx = Math.round(L.width * CACHE_MARGIN);
      const my = Math.round(L.height * CACHE_MARGIN);
      const w = L.width + 2 * mx;
      const h = L.height + 2 * my;
      if (cache.width !== w * dpr || cache.height !== h * dpr) {
        cache.width = w * dpr;
        cache.height = h * dpr;
      }
      drawTopology(cctx, { ...full(), transform: new ZoomTransform(L.transform.k, L.transform.x + mx, L.transform.y + my), width: w, height: h, dpr, hover: null, maxLabels: Math.round((MAX_LABELS * w * h) / (L.width * L.height)) });
      L.cache = { t: L.transform, mx, my, w, h, dpr };
    };
    /** Whether the cache still serves the current view: same dpr, scale within CACHE_SCALE, view inside it. */
    const cacheServes = (): boolean => {
      const c = L.cache;
      if (!c || c.dpr !== (window.devicePixelRatio || 1)) return false;
      const t = L.transform;
      const r = t.k / c.t.k;
      if (r > CACHE_SCALE || r < 1 / CACHE_SCALE) return false;
      // The viewport's corners in cache CSS pixels.
      const x0 = (0 - t.x) / r + c.t.x + c.mx;
      const y0 = (0 - t.y) / r + c.t.y + c.my;
      const x1 = (L.width - t.x) / r + c.t.x + c.mx;
      const y1 = (L.height - t.y) / r + c.t.y + c.my;
      return x0 >= -1 && y0 >= -1 && x1 <= c.w + 1 && y1 <= c.h + 1;
    };
    let lastLayoutFrame = 0;
    const frame = (now: number): void => {
      L.pending = 0;
      // While it cools, the layout gets about half of each frame: when a frame costs ~90 ms to rasterise
      // (2,000 nodes in software) a fixed 8 ms would stretch cooling over several seconds of slow frames.
      const budget = lastLayoutFrame > 0 ? Math.min(LAYOUT_BUDGET_MAX_MS, Math.max(LAYOUT_BUDGET_MS, 0.5 * (now - lastLayoutFrame))) : LAYOUT_BUDGET_MS;
      const moving = layout.moving && layout.step(budget);
      lastLayoutFrame = moving ? now : 0;
      if (!L.fitted && !moving && layout.nodes.length > 0) fit(false);
      const t0 = performance.now();
      L.palette ??= readPalette(canvas);
      const s = full();
      if (moving) {
        // Still laying out: every frame is different anyway.
        L.cache = null;
        drawTopology(ctx, s);
      } else {
        const c0 = L.cache;
        const stale = !c0 || (!L.interacting && (c0.t.k !== L.transform.k || c0.t.x !== L.transform.x || c0.t.y !== L.transform.y));
        if (stale || !cacheServes()) renderCache();
        const c = L.cache as CacheInfo;
        const t = L.transform;
        const r = t.k / c.t.k;
        clearTopology(ctx, L.width, L.height, s.dpr, s.palette);
        ctx.setTransform(s.dpr * r, 0, 0, s.dpr * r, s.dpr * (t.x - r * (c.t.x + c.mx)), s.dpr * (t.y - r * (c.t.y + c.my)));
        ctx.imageSmoothingEnabled = r !== 1;
        ctx.drawImage(cache, 0, 0, c.w, c.h);
      }
      drawOverlay(ctx, s);
      if (L.hook) {
        L.hook.frames++;
        L.hook.lastDrawMs = performance.now() - t0;
        L.hook.settled = !moving;
      }
      canvas.dataset['settled'] = String(!moving);
      if (moving) schedule();
    };
    const schedule = (): void => {
      if (L.pending === 0) L.pending = requestAnimationFrame(frame);
    };
    scheduleRef.current = schedule;

    const z = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([0.03, 12])
      .on('zoom', (e: { transform: ZoomTransform }) => {
        L.transform = e.transform;
        // Blit while the view moves; a full-quality render once it has been still for IDLE_MS.
        L.interacting = true;
        if (L.idle) clearTimeout(L.idle);
        L.idle = setTimeout(() => {
          L.idle = 0;
          L.interacting = false;
          schedule();
        }, IDLE_MS);
        schedule();
      });
    L.zoom = z;
    select(canvas).call(z).on('dblclick.zoom', null);
    /** Fit the whole graph in view, or the highlighted part of it (animated when asked by the operator). */
    const fit = (animate: boolean): void => {
      const b = layout.bounds(L.highlight);
      const k = Math.min(2, 0.9 * Math.min(L.width / Math.max(1, b.x1 - b.x0), L.height / Math.max(1, b.y1 - b.y0)));
      const t = zoomIdentity.translate(L.width / 2, L.height / 2).scale(k).translate(-(b.x0 + b.x1) / 2, -(b.y0 + b.y1) / 2);
      L.fitted = true;
      if (animate) select(canvas).transition().duration(400).call(z.transform, t);
      else select(canvas).call(z.transform, t);
    };
    canvas.addEventListener('cerebro:fit', () => fit(true));

    const resize = (): void => {
      const r = wrap.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      L.width = Math.max(1, Math.floor(r.width));
      L.height = Math.max(1, Math.floor(r.height));
      canvas.width = L.width * dpr;
      canvas.height = L.height * dpr;
      canvas.style.width = `${L.width}px`;
      canvas.style.height = `${L.height}px`;
      L.cache = null;
      if (!L.fitted) L.transform = zoomIdentity.translate(L.width / 2, L.height / 2).scale(0.5);
      schedule();
    };
    const ro = new ResizeObserver(resize);
    ro.observe(wrap);
    resize();
    return () => {
      ro.disconnect();
      if (L.pending) cancelAnimationFrame(L.pending);
      if (L.idle) clearTimeout(L.idle);
      L.pending = 0;
      select(canvas).on('.zoom', null);
      publishTopology(undefined);
      L.hook = null;
    };
  }, []);

  useEffect(() => {
    const layout = layoutRef.current as TopologyLayout;
    layout.update(graph);
    const hook: TopologyTestHook = {
      nodes: graph.nodes,
      edges: graph.edges,
      settled: !layout.moving,
      frames: live.current.hook?.frames ?? 0,
      lastDrawMs: live.current.hook?.lastDrawMs ?? 0,
      highlighted: live.current.hook?.highlighted ?? [],
      screenPosition: (id) => {
        const n = layout.node(id);
        if (!n) return null;
        const [x, y] = live.current.transform.apply([n.x, n.y]);
        return { x, y };
      },
    };
    live.current.hook = hook;
    live.current.cache = null;
    publishTopology(hook);
    const canvas = canvasRef.current as HTMLCanvasElement;
    canvas.dataset['nodes'] = String(graph.nodes.length);
    canvas.dataset['edges'] = String(graph.edges.length);
    scheduleRef.current();
  }, [graph]);

  useEffect(() => {
    live.current.highlight = highlight;
    live.current.cache = null;
    const canvas = canvasRef.current as HTMLCanvasElement;
    const ids = highlight ? graph.nodes.filter((n) => highlight.has(n.id)).map((n) => n.id) : [];
    canvas.dataset['highlighted'] = String(ids.length);
    if (live.current.hook) live.current.hook.highlighted = ids;
    scheduleRef.current();
  }, [highlight, graph]);

  useEffect(() => {
    live.current.palette = null;
    live.current.cache = null;
    scheduleRef.current();
  }, [theme]);

  const pointAt = (e: React.MouseEvent<HTMLCanvasElement>): SimNode | null => {
    const layout = layoutRef.current;
    if (!layout) return null;
    const r = e.currentTarget.getBoundingClientRect();
    const [gx, gy] = live.current.transform.invert([e.clientX - r.left, e.clientY - r.top]);
    return layout.find(gx, gy, 4 / live.current.transform.k);
  };

  return (
    <div className="topology-canvas-wrap" ref={wrapRef}>
      <canvas
        ref={canvasRef}
        data-testid="topology-canvas"
        aria-label="Topology graph: hosts, their processes and the connections between them. Scroll to zoom, drag to pan."
        role="img"
        onMouseMove={(e) => {
          // A drag pans the view: no hit testing, tooltip or React render per mouse move.
          if (e.buttons !== 0) return;
          const n = pointAt(e);
          if (n !== live.current.hover) {
            live.current.hover = n;
            scheduleRef.current();
          }
          const r = e.currentTarget.getBoundingClientRect();
          setHover(n ? { node: n, x: e.clientX - r.left, y: e.clientY - r.top } : null);
          e.currentTarget.style.cursor = n && n.node.hostId !== null ? 'pointer' : 'grab';
        }}
        onMouseLeave={() => {
          live.current.hover = null;
          setHover(null);
          scheduleRef.current();
        }}
        onClick={(e) => {
          const n = pointAt(e);
          if (n && n.node.hostId !== null) window.location.hash = routeHash({ name: 'host', hostId: n.node.hostId });
        }}
      />
      {hover ? <TopologyTooltip node={hover.node} links={layoutRef.current?.links ?? []} x={hover.x} y={hover.y} /> : null}
    </div>
  );
}
