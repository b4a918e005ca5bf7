/** A connected session as the console shows it. */
export interface SessionView {
  sessionId: string;
  /** "json" or "protobuf". */
  format: string;
  /** The status it shows followers; null while it appears offline. */
  status: string | null;
  /** Ids of the users it follows. */
  follows: string[];
  /** Ids of the channels it is in. */
  channels: string[];
  /** When it connected (ISO 8601), when known. */
  connectedAt?: string;
}

/** A user with at least one connected session. */
export interface OnlineUser {
  userId: string;
  username: string;
  /**
   * Invisible users appear offline to everyone else; only the operator sees them here. Their
   * sessions' statuses are what the user set, not what others see.
   */
  invisible: boolean;
  sessions: SessionView[];
}

/** A session present in a channel. */
export interface MemberView {
  userId: string;
  username: string;
  sessionId: string;
  /** Hidden from the other members (joined hidden, or its user is invisible). */
  hidden: boolean;
  /** Hidden because the user is invisible (rather than by joining hidden). */
  invisible: boolean;
}

/** A chat message as the console lists it. */
export interface MessageView {
  messageId: string;
  senderId: string;
  username: string;
  /** The content as sent (a JSON object's text), cut to a few hundred characters. */
  content: string;
  /** ISO 8601. */
  createTime: string;
  /** 0 chat; 3 to 9 group events (see the protocol notes). */
  code: number;
  /** False for messages sent with persistence off: they reached members online then, and are not stored. */
  persistent: boolean;
}

/** A channel with live members or stored or recent messages. */
export interface ChannelView {
  channelId: string;
  type: "room" | "group" | "direct";
  /** Room name, group name, or the two usernames of a direct chat. */
  label: string;
  /** Members present now, by username (at most 100; `memberCount` counts them all). */
  members: MemberView[];
  memberCount: number;
  /** Messages stored in its history (read from the table every few seconds, kept current in between). */
  storedMessages: number;
  /** Messages sent since the server started (stored or not). */
  sentSinceStart: number;
  /** The newest messages, newest first. */
  latest: MessageView[];
}

/** Everything the console shows besides the inspector, at one moment. */
export interface ConsoleSnapshot {
  server: {
    version: string;
    /** ISO 8601. */
    startedAt: string;
    /** The server key, for the console's "try it" panel to sign test users in. */
    serverKey: string;
  };
  /** Users online, by username (at most 500; `totals.users` counts them all). */
  users: OnlineUser[];
  channels: ChannelView[];
  totals: { users: number; sessions: number; channels: number };
}
