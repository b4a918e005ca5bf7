// A socket that stays closed when its connection is lost, so that tests of cuts and closes see
// the loss itself rather than a reconnection.
import type { Client, Socket, SocketOptions } from "../../src/index.js";

export function plainSocket(client: Client, options: SocketOptions = {}): Socket {
  return client.createSocket({ reconnect: false, ...options });
}
