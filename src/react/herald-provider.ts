import { createElement, type ReactNode, useEffect, useState } from "react";
import type { Client } from "../client.js";
import type { PresenceStoreOptions } from "../presence/presence-store.js";
import type { Session } from "../session.js";
import type { ConnectOptions } from "../socket/socket-types.js";
import { HeraldConnection } from "./herald-connection.js";
import { HeraldContext } from "./herald-context.js";
import type { HeraldSocket } from "./herald-socket.js";

/** Props of {@link HeraldProvider}. */
export interface HeraldProviderProps {
  /** The REST client. A different client (or session) makes a new socket. */
  client: Client;
  /** The signed-in user's session. Render the provider once signed in. */
  session: Session;
  /**
   * Makes the socket, not connected yet; read when the provider makes its connection (changing it
   * later does nothing until `client` or `session` changes). It must not connect: the provider
   * does, on mount. Strict mode's double render may call it twice; only the socket kept is connected. The default socket reconnects by itself; pass
   * `(client) => client.createSocket({ reconnect: false })` for one that does not.
   * @default `(client) => client.createSocket()`
   */
  createSocket?: ((client: Client) => HeraldSocket) | undefined;
  /** Options of the socket's `connect()`, such as `appearOnline`; read at connect. @default {} */
  connectOptions?: ConnectOptions | undefined;
  /** Options of the presence store behind `usePresence` and `useStatus`. @default {} */
  presence?: PresenceStoreOptions | undefined;
  children?: ReactNode;
}

/**
 * Gives the components below it a realtime connection for one signed-in user: it makes the socket,
 * connects it on mount and disconnects it on unmount (React's strict mode included: its extra
 * unmount and mount cost no extra connection). Follows and channel joins of the hooks below are
 * shared and counted, and end when the last component using them unmounts.
 *
 * ```tsx
 * <HeraldProvider client={client} session={session} connectOptions={{ appearOnline: true }}>
 *   <App />
 * </HeraldProvider>
 * ```
 */
export function HeraldProvider(props: HeraldProviderProps): ReactNode {
  const { client, session, children } = props;
  const make = () =>
    new HeraldConnection({
      client,
      session,
      createSocket: props.createSocket,
      connectOptions: props.connectOptions,
      presence: props.presence,
    });
  const [kept, setKept] = useState(make);
  let connection = kept;
  if (kept.client !== client || kept.session !== session) {
    // Storing a value derived from props during render: React renders again at once, before effects.
    connection = make();
    setKept(connection);
  }
  // `make` reads props that are documented as read once per connection.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new connection only for a new client or session
  useEffect(() => {
    // Kept state outlives a closed connection when React hides and shows a tree again.
    if (connection.stopped) {
      setKept(make());
      return undefined;
    }
    return connection.acquire();
  }, [connection]);
  return createElement(HeraldContext.Provider, { value: connection }, children);
}
