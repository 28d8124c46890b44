/** Windowing for long lists: which rows of a fixed-height list are visible in a scrolling viewport. */
import { useCallback, useEffect, useRef, useState } from 'react';

/** Rows drawn above and below the viewport so fast scrolling shows no blank band. */
const OVERSCAN = 6;

export function visibleRange(scrollTop: number, viewportPx: number, rowPx: number, count: number): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / rowPx) - OVERSCAN);
  const end = Math.min(count, Math.ceil((scrollTop + viewportPx) / rowPx) + OVERSCAN);
  return { start, end: Math.max(start, end) };
}

export function useWindow<E extends HTMLElement>(rowPx: number, count: number) {
  const ref = useRef<E | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(800);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewport(el.clientHeight));
    ro.observe(el);
    setViewport(el.clientHeight);
    return () => ro.disconnect();
  }, []);
  const onScroll = useCallback(() => {
    if (ref.current) setScrollTop(ref.current.scrollTop);
  }, []);
  return { ref, onScroll, ...visibleRange(scrollTop, viewport, rowPx, count) };
}
