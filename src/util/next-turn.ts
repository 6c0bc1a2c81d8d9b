/**
 * Lets the event loop run between two units of synchronous work, so that signals (Ctrl-C,
 * SIGTERM), timers and progress output are handled while a long run goes on. Long loops await it
 * once per batch: a batch is milliseconds of work, a turn of the loop a few microseconds.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
