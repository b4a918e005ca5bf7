// The event loop as tests see it: how many timers wait in this process, and one turn of the loop.

/** How many timers (`setTimeout`, `setInterval`) wait in this process now. */
export const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** Resolves after one turn of the event loop: what was already answered has been handled. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
