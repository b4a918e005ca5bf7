// The event loop as tests see it: how many timers wait in this process, one turn of the loop, and
// a bounded wait for a condition.

/** How many timers (`setTimeout`, `setInterval`) wait in this process now. */
export const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** Resolves after one turn of the event loop: what was already answered has been handled. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Checks `done()` every 20 ms until it holds or `ms` have passed, and resolves either way: the
 * assertion after it then says what is missing, which a timeout error could not.
 */
export async function until(done: () => boolean, ms: number): Promise<void> {
  for (let waited = 0; !done() && waited < ms; waited += 20) await sleep(20);
}
