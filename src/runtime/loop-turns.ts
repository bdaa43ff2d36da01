/**
 * Long synchronous work on a service's main thread (streaming a multi-GB dataset) starves the
 * event loop: the heartbeat timer never fires and the controller kills a busy service as a dead
 * one. A loop calls the function this returns once per step; every `everyMs` it hands back a
 * promise that gives timers and sockets a turn (a macrotask, not a microtask: awaiting an async
 * generator whose reads are synchronous never leaves the microtask queue). Between turns it
 * returns null, so the common step costs one clock read and no await.
 */
export function createLoopTurns(everyMs = 200): () => Promise<void> | null {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < everyMs) return null;
    return new Promise((resolve) =>
      setTimeout(() => {
        last = performance.now();
        resolve();
      }, 0),
    );
  };
}
