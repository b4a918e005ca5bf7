// A DOM for react-dom in Node: happy-dom's window, with the globals react-dom reads.
import { Window } from "happy-dom";
import type { ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";

const win = new Window({ url: "http://127.0.0.1/" });
const globals = globalThis as unknown as Record<string, unknown>;
for (const name of ["window", "document", "HTMLElement", "HTMLIFrameElement", "Node", "Element", "Event"]) {
  if (globals[name] === undefined) {
    globals[name] = name === "window" ? win : (win as unknown as Record<string, unknown>)[name];
  }
}

/** A React root in a fresh element of the document. */
export interface Mounted {
  container: HTMLElement;
  root: Root;
  render(node: ReactNode): void;
  unmount(): void;
}

/** Renders `node` into a new element with react-dom's client renderer. */
export function mount(node: ReactNode): Mounted {
  const container = win.document.createElement("div") as unknown as HTMLElement;
  win.document.body.appendChild(container as never);
  const root = createRoot(container);
  root.render(node);
  return {
    container,
    root,
    render: (next) => root.render(next),
    unmount: () => {
      root.unmount();
      container.remove();
    },
  };
}

/** Waits until `check` returns something other than undefined/false; fails after `ms` saying `what`. */
export async function until<T>(what: string, check: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
