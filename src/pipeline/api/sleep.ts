/**
 * Waits `ms` milliseconds, or less when `signal` aborts. Resolves `true` when the wait was cut short by the
 * signal (already aborted, or aborted while waiting), `false` when the time ran out. Never rejects, so a
 * stopping service just checks the result (or its signal) and leaves its loop.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      resolve(true);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
