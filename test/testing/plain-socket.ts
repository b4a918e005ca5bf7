// A socket that stays closed when its connection is lost, so that tests of cuts and closes see
// the loss itself. `reconnect: false` is read by sockets that reconnect on their own and ignored
// by those that never do.
import type { Client, Socket, SocketOptions } from "../../src/index.js";

export function plainSocket(client: Client, options: SocketOptions = {}): Socket {
  const plain: object = { reconnect: false };
  return client.createSocket({ ...plain, ...options });
}
