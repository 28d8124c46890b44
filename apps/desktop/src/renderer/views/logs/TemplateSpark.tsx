/** A template's counts per step as bars on a canvas (cheap for hundreds of rows). */
import { useEffect, useRef } from 'react';

const W = 120;
const H = 22;

export function TemplateSpark({ values }: { values: readonly number[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = getComputedStyle(ref.current as HTMLCanvasElement).color;
    const max = Math.max(1, ...values);
    const w = W / Math.max(1, values.length);
    values.forEach((v, i) => {
      if (v <= 0) return;
      const h = Math.max(1, (v / max) * (H - 2));
      ctx.fillRect(i * w, H - h, Math.max(1, w - 1), h);
    });
  }, [values]);
  return <canvas ref={ref} className="tpl-spark" width={W} height={H} aria-hidden="true" />;
}
