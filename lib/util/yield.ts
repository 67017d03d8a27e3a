/**
 * Long loops of tensor work await only promises that resolve as microtasks, so timers (a lock's
 * heartbeat), signals and worker messages would wait until the loop ends. Awaiting this once per
 * iteration lets them run about every `everyMs` at a negligible cost.
 */
export function eventLoopYielder(everyMs = 500): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = Date.now();
  };
}
