/**
 * Run `fn` at most once per `everyMs`: the first call runs at once, calls within the interval collapse
 * into one trailing run. `cancel()` drops a pending run (a view that unmounts costs nothing after).
 */
export function throttle(fn: () => void, everyMs: number): { (): void; cancel(): void } {
  let last = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = (): void => {
    timer = null;
    last = Date.now();
    fn();
  };
  const call = (): void => {
    if (timer !== null) return;
    const wait = last + everyMs - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
  call.cancel = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return call;
}
