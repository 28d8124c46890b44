/**
 * Drawing the topology on a canvas. Everything of one colour goes into one path (a few fill/stroke calls
 * per frame whatever the node count), labels only where the zoom makes them readable, so a pan or zoom
 * of 2,000 nodes redraws in a few milliseconds.
 */
import type { ZoomTransform } from 'd3';
import type { SimLink, SimNode } from './layout';

/** Labels drawn at most per frame. */
export const MAX_LABELS = 150;

export interface Palette {
  readonly bg: string;
  readonly text: string;
  readonly muted: string;
  readonly border: string;
  readonly accent: string;
  readonly live: string;
  readonly stale: string;
  readonly lost: string;
  readonly external: string;
}

export function readPalette(el: Element): Palette {
  const css = getComputedStyle(el);
  const v = (name: string): string => css.getPropertyValue(name).trim();
  return { bg: v('--bg-sunken'), text: v('--text'), muted: v('--text-muted'), border: v('--border'), accent: v('--accent'), live: v('--live'), stale: v('--stale'), lost: v('--lost'), external: v('--chart-2') };
}

export function nodeColor(n: SimNode, p: Palette): string {
  if (n.node.kind === 'external') return p.external;
  return n.node.status === 'lost' ? p.lost : n.node.status === 'stale' ? p.stale : p.live;
}

export interface DrawState {
  readonly nodes: readonly SimNode[];
  readonly links: readonly SimLink[];
  readonly transform: ZoomTransform;
  readonly width: number;
  readonly height: number;
  readonly dpr: number;
  readonly hover: SimNode | null;
  readonly palette: Palette;
  /** Labels drawn at most (default MAX_LABELS, for a viewport; more for a larger off-screen surface). */
  readonly maxLabels?: number;
  /** Node ids to highlight (an incident's subgraph): they and the edges among them are drawn over the rest, dimmed. */
  readonly highlight?: ReadonlySet<string> | null;
}

/** How much of the background is laid over the graph outside a highlight (0: no dimming, 1: hidden). */
const DIM = 0.78;

/** Clear the (CSS-pixel) viewport to the background colour. */
export function clearTopology(ctx: CanvasRenderingContext2D, width: number, height: number, dpr: number, p: Palette): void {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = p.bg;
  ctx.fillRect(0, 0, width, height);
}

/** What changes without the graph changing (the hovered node and its connections), drawn over the graph. */
export function drawOverlay(ctx: CanvasRenderingContext2D, s: DrawState): void {
  const { transform: t, palette: p, dpr } = s;
  if (!s.hover) return;
  const px = 1 / t.k;
  ctx.setTransform(dpr * t.k, 0, 0, dpr * t.k, dpr * t.x, dpr * t.y);
  ctx.beginPath();
  ctx.arc(s.hover.x, s.hover.y, s.hover.r + 4 * px, 0, 2 * Math.PI);
  ctx.strokeStyle = p.text;
  ctx.lineWidth = 2 * px;
  ctx.stroke();
  // The hovered node's connections, on top.
  ctx.beginPath();
  for (const l of s.links) {
    if (l.edge.kind !== 'connects' || (l.source !== s.hover && l.target !== s.hover)) continue;
    ctx.moveTo(l.source.x, l.source.y);
    ctx.lineTo(l.target.x, l.target.y);
  }
  ctx.strokeStyle = p.text;
  ctx.lineWidth = 2 * px;
  ctx.stroke();
}

/** The graph itself (edges, nodes, labels) over a cleared `width` × `height` (CSS pixels) area. */
export function drawTopology(ctx: CanvasRenderingContext2D, s: DrawState): void {
  clearTopology(ctx, s.width, s.height, s.dpr, s.palette);
  drawLayer(ctx, s, s.nodes, s.links);
  if (s.highlight) drawHighlight(ctx, s, s.highlight);
}

/** Dims everything drawn so far with a veil of background, then draws the highlighted nodes, their edges and a ring round each. */
function drawHighlight(ctx: CanvasRenderingContext2D, s: DrawState, ids: ReadonlySet<string>): void {
  const { transform: t, palette: p, dpr } = s;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.globalAlpha = DIM;
  ctx.fillStyle = p.bg;
  ctx.fillRect(0, 0, s.width, s.height);
  ctx.globalAlpha = 1;
  const nodes = s.nodes.filter((n) => ids.has(n.id));
  if (nodes.length === 0) return;
  const links = s.links.filter((l) => ids.has(l.source.id) && ids.has(l.target.id));
  drawLayer(ctx, s, nodes, links);
  const px = 1 / t.k;
  ctx.setTransform(dpr * t.k, 0, 0, dpr * t.k, dpr * t.x, dpr * t.y);
  ctx.beginPath();
  for (const n of nodes) {
    ctx.moveTo(n.x + n.r + 3 * px, n.y);
    ctx.arc(n.x, n.y, n.r + 3 * px, 0, 2 * Math.PI);
  }
  ctx.strokeStyle = p.accent;
  ctx.lineWidth = 2 * px;
  ctx.stroke();
}

/** Edges, nodes and labels of `nodes`/`links` in graph coordinates, over whatever is drawn already. */
function drawLayer(ctx: CanvasRenderingContext2D, s: DrawState, nodes: readonly SimNode[], links: readonly SimLink[]): void {
  const { transform: t, palette: p, dpr } = s;
  ctx.setTransform(dpr * t.k, 0, 0, dpr * t.k, dpr * t.x, dpr * t.y);
  // Visible graph rectangle (with a margin), for culling labels.
  const vx0 = -t.x / t.k - 50;
  const vy0 = -t.y / t.k - 50;
  const vx1 = (s.width - t.x) / t.k + 50;
  const vy1 = (s.height - t.y) / t.k + 50;
  const px = 1 / t.k;

  // Host → process membership: faint, they only hold a host's processes together.
  ctx.beginPath();
  for (const l of links) {
    if (l.edge.kind !== 'runs') continue;
    ctx.moveTo(l.source.x, l.source.y);
    ctx.lineTo(l.target.x, l.target.y);
  }
  ctx.strokeStyle = p.border;
  ctx.lineWidth = px;
  ctx.stroke();

  // Connections: the point of the view. Stale ones (services view: remembered, not seen lately, such as a
  // dead server's clients) are dashed.
  for (const stale of [false, true]) {
    ctx.beginPath();
    for (const l of links) {
      if (l.edge.kind !== 'connects' || l.source === l.target || (l.edge.stale === true) !== stale) continue;
      ctx.moveTo(l.source.x, l.source.y);
      ctx.lineTo(l.target.x, l.target.y);
    }
    ctx.strokeStyle = p.accent;
    ctx.globalAlpha = stale ? 0.4 : 0.55;
    ctx.lineWidth = 1.2 * px;
    ctx.setLineDash(stale ? [4 * px, 3 * px] : []);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;

  // Arrowheads and port labels once edges are long enough on screen to carry them.
  if (t.k >= 0.9) {
    ctx.beginPath();
    for (const l of links) {
      if (l.edge.kind !== 'connects' || l.source === l.target) continue;
      const { source: a, target: b } = l;
      if (Math.max(a.x, b.x) < vx0 || Math.min(a.x, b.x) > vx1 || Math.max(a.y, b.y) < vy0 || Math.min(a.y, b.y) > vy1) continue;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len = Math.hypot(dx, dy) || 1;
      const ux = dx / len;
      const uy = dy / len;
      const tipX = b.x - ux * (b.r + 1);
      const tipY = b.y - uy * (b.r + 1);
      const size = 5 * px + 2;
      ctx.moveTo(tipX, tipY);
      ctx.lineTo(tipX - ux * size - uy * size * 0.5, tipY - uy * size + ux * size * 0.5);
      ctx.lineTo(tipX - ux * size + uy * size * 0.5, tipY - uy * size - ux * size * 0.5);
      ctx.closePath();
    }
    ctx.fillStyle = p.accent;
    ctx.fill();
  }

  // Nodes, one path per colour.
  const groups = new Map<string, SimNode[]>();
  for (const n of nodes) {
    const c = nodeColor(n, p);
    const g = groups.get(c);
    if (g) g.push(n);
    else groups.set(c, [n]);
  }
  ctx.lineWidth = 1.5 * px;
  ctx.strokeStyle = p.bg;
  for (const [color, list] of groups) {
    ctx.beginPath();
    for (const n of list) {
      ctx.moveTo(n.x + n.r, n.y);
      ctx.arc(n.x, n.y, n.r, 0, 2 * Math.PI);
    }
    ctx.fillStyle = color;
    ctx.fill();
    ctx.stroke();
  }
  // Processes are hollow-centred so hosts stand out at any zoom.
  ctx.beginPath();
  for (const n of nodes) {
    if (n.node.kind !== 'process') continue;
    ctx.moveTo(n.x + n.r * 0.45, n.y);
    ctx.arc(n.x, n.y, n.r * 0.45, 0, 2 * Math.PI);
  }
  ctx.fillStyle = p.bg;
  ctx.fill();

  // Labels: hosts once they are ~10 px apart on screen, processes and ports when zoomed in further.
  const showHosts = t.k >= 0.7 || nodes.length < 150;
  const showProcs = t.k >= 1.8;
  if (!showHosts && !showProcs) return;
  const labelled: SimNode[] = [];
  for (const n of nodes) {
    if (n.x < vx0 || n.x > vx1 || n.y < vy0 || n.y > vy1) continue;
    if (n.node.kind === 'host' ? showHosts : showProcs) labelled.push(n);
  }
  // More labels than this overlap into noise and cost more to rasterise than the whole graph: zoom in for them.
  if (labelled.length > (s.maxLabels ?? MAX_LABELS)) return;
  // In screen space: an 11 px font rather than an 11/k px one scaled by k (sub-pixel font sizes at high zoom).
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 3;
  ctx.strokeStyle = p.bg;
  for (const n of labelled) {
    const isHost = n.node.kind === 'host';
    const text = n.node.kind === 'process' && n.node.ports.length > 0 ? `${n.node.label} :${n.node.ports.slice(0, 3).join(',')}` : n.node.label;
    const x = t.x + t.k * (n.x + n.r) + 3;
    const y = t.y + t.k * n.y;
    ctx.fillStyle = isHost ? p.text : p.muted;
    ctx.strokeText(text, x, y);
    ctx.fillText(text, x, y);
  }
}
