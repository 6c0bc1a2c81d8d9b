/**
 * A run that can end early and still produce its output (a recording over time, like perf
 * record) registers here: the first Ctrl-C / SIGTERM then asks it to stop and keep what it has,
 * a second one interrupts as usual (output removed).
 */
let stopper: (() => void) | null = null;

/** While `stop` is registered, the first signal calls it instead of interrupting. null: unregister. */
export function onStopRequest(stop: (() => void) | null): void {
  stopper = stop;
}

/** Called by the signal handler: true when a registered run took the signal (once). */
export function takeStopRequest(): boolean {
  const stop = stopper;
  if (!stop) return false;
  stopper = null;
  stop();
  return true;
}
