// happy-dom's window and the globals react-dom reads, installed before react-dom loads: it checks
// for a DOM once, when first imported, and picks its event handling from what it finds.
import { Window } from "happy-dom";

/** The window every test renders into. */
export const win = new Window({ url: "http://127.0.0.1/" });
const globals = globalThis as unknown as Record<string, unknown>;
for (const name of [
  "window",
  "document",
  "navigator",
  "HTMLElement",
  "HTMLIFrameElement",
  "Node",
  "Element",
  "Event",
]) {
  if (globals[name] === undefined) {
    globals[name] = name === "window" ? win : (win as unknown as Record<string, unknown>)[name];
  }
}
