import type { CallOptions } from "../call-options.js";
import type { Capabilities, ChannelMessageList, Users } from "../gen/model.js";
import type { Session } from "../session.js";

/**
 * What a Socket asks of its Client: declared here so that the socket does not depend on the
 * whole Client (and `client.ts` alone imports the other way).
 */
export interface SocketClient {
  /** Refreshes the session if it is about to expire. */
  ensureFresh(session: Session, options?: CallOptions): Promise<void>;
  /** The server's extensions (cached). */
  capabilities(options?: CallOptions): Promise<Capabilities>;
  /** One page of a channel's history. */
  listChannelMessages(
    session: Session,
    channelId: string,
    options?: CallOptions & {
      limit?: number | undefined;
      forward?: boolean | undefined;
      cursor?: string | undefined;
    },
  ): Promise<ChannelMessageList>;
  /** Users by username (to learn the ids of users followed by username). */
  getUsers(session: Session, options: CallOptions & { usernames: readonly string[] }): Promise<Users>;
}
