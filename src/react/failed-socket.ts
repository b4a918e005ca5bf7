import { HeraldError } from "../errors.js";
import type { HeraldSocket } from "./herald-socket.js";

const methods = [
  "connect",
  "disconnect",
  "updateStatus",
  "followUsers",
  "unfollowUsers",
  "joinChat",
  "leaveChat",
  "writeChatMessage",
  "updateChatMessage",
  "removeChatMessage",
  "on",
] as const;

/**
 * Makes the provider's socket, turning a factory that throws or returns something else than a
 * socket into a {@link failedSocket}: a provider prop's mistake is the connection's failure
 * (`useConnection().error`), not an exception in the app's render.
 */
export function makeSocket(make: () => HeraldSocket): { socket: HeraldSocket; error?: HeraldError } {
  let socket: unknown;
  try {
    socket = make();
  } catch (thrown) {
    const why = thrown instanceof Error ? thrown.message : String(thrown);
    const code = HeraldError.is(thrown) ? thrown.code : "bad_input";
    return failed(new HeraldError(code, `createSocket threw: ${why}`, { cause: thrown }));
  }
  const missing =
    typeof socket === "object" && socket !== null
      ? methods.find((m) => typeof (socket as Record<string, unknown>)[m] !== "function")
      : "connect";
  if (missing === undefined) return { socket: socket as HeraldSocket };
  return failed(
    new HeraldError(
      "bad_input",
      `createSocket must return a socket (from client.createSocket()); what it returned has no ${missing}()`,
    ),
  );
}

function failed(error: HeraldError): { socket: HeraldSocket; error: HeraldError } {
  return { socket: failedSocket(error), error };
}

/** A socket that never opens: every call rejects with `error`, and no event ever fires. */
export function failedSocket(error: HeraldError): HeraldSocket {
  const refuse = () => Promise.reject(error);
  return {
    state: "closed",
    connect: refuse,
    disconnect: () => Promise.resolve(),
    updateStatus: refuse,
    followUsers: refuse,
    unfollowUsers: refuse,
    joinChat: refuse,
    leaveChat: refuse,
    writeChatMessage: refuse,
    updateChatMessage: refuse,
    removeChatMessage: refuse,
    on: () => () => {},
  };
}
