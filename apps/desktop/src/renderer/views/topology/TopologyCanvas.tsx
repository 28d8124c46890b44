/**
 * The topology drawn on a canvas (not SVG: 2,000 nodes stay interactive): d3-zoom for pan and zoom, a
 * tooltip on hover, a click on a host or process opens its host. The layout is stepped within ~8 ms per
 * frame while it cools and then stops; after that a frame is drawn only when something changes.
 */
import { useEffect, useRef, useState } from 'react';
import { select, zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3';
import type { TopologyGraph } from '@cerebro/shared/topology/topology';
import { routeHash } from '../../lib/route';
import { drawTopology, readPalette, type Palette } from './draw';
import { TopologyLayout, type SimNode } from './layout';
import { publishTopology, type TopologyTestHook } from './test-hook';
import { TopologyTooltip } from './TopologyTooltip';

const LAYOUT_BUDGET_MS = 8;

interface Hover {
  readonly node: SimNode;
  readonly x: number;
  readonly y: number;
}

export function TopologyCanvas({ graph, theme }: { graph: TopologyGraph; theme: string }) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layoutRef = useRef<TopologyLayout>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  // Everything the frame loop needs, mutable so that a redraw never waits for React.
  const live = useRef({ transform: zoomIdentity as ZoomTransform, width: 0, height: 0, hover: null as SimNode | null, palette: null as Palette | null, pending: 0, fitted: false, hook: null as TopologyTestHook | null, zoom: null as ZoomBehavior<HTMLCanvasElement, unknown> | null });
  const scheduleRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    const canvas = canvasRef.current as HTMLCanvasElement;
    const wrap = wrapRef.current as HTMLDivElement;
    const ctx = canvas.getContext('2d', { alpha: false }) as CanvasRenderingContext2D;
    const layout = new TopologyLayout();
    layoutRef.current = layout;
    const L = live.current;
    const frame = (): void => {
      L.pending = 0;
      const moving = layout.moving && layout.step(LAYOUT_BUDGET_MS);
      if (!L.fitted && !moving && layout.nodes.length > 0) fit(false);
      const t0 = performance.now();
      L.palette ??= readPalette(canvas);
      drawTopology(ctx, { nodes: layout.nodes, links: layout.links, transform: L.transform, width: L.width, height: L.height, dpr: window.devicePixelRatio || 1, hover: L.hover, palette: L.palette });
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
        schedule();
      });
    L.zoom = z;
    select(canvas).call(z).on('dblclick.zoom', null);
    /** Fit the whole graph in view (animated when asked by the operator). */
    const fit = (animate: boolean): void => {
      const b = layout.bounds();
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
      if (!L.fitted) L.transform = zoomIdentity.translate(L.width / 2, L.height / 2).scale(0.5);
      schedule();
    };
    const ro = new ResizeObserver(resize);
    ro.observe(wrap);
    resize();
    return () => {
      ro.disconnect();
      if (L.pending) cancelAnimationFrame(L.pending);
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
      screenPosition: (id) => {
        const n = layout.node(id);
        if (!n) return null;
        const [x, y] = live.current.transform.apply([n.x, n.y]);
        return { x, y };
      },
    };
    live.current.hook = hook;
    publishTopology(hook);
    const canvas = canvasRef.current as HTMLCanvasElement;
    canvas.dataset['nodes'] = String(graph.nodes.length);
    canvas.dataset['edges'] = String(graph.edges.length);
    scheduleRef.current();
  }, [graph]);

  useEffect(() => {
    live.current.palette = null;
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
