/** One user an inspected envelope came from or went to. */
export interface InspectorUser {
  userId: string;
  username: string;
}

/** An envelope as the console's message inspector shows it. */
export interface InspectorEntry {
  /** Increases by one per entry, so a viewer can ask for what it has not seen. */
  seq: number;
  /** When it passed, as an ISO 8601 string. */
  time: string;
  /** "in": a request from a client; "out": a reply or push to clients. */
  direction: "in" | "out";
  /** The envelope's message, as herald's SDK names it ("channelMessageSend", "statusPresenceEvent"...). */
  kind: string;
  cid?: string;
  /** The channel the envelope is about, when it names one. */
  channelId?: string;
  /** The target of a channel join (room name, group id or user id). */
  target?: string;
  /** The sender ("in") or the recipients ("out"); a long recipient list is cut, see `sessionCount`. */
  users: InspectorUser[];
  /** How many sessions it was written to ("out") or came from ("in": 1). */
  sessionCount: number;
  /** The envelope in the JSON wire format, cut to a few kilobytes. */
  wire: string;
}

/** What the inspector is narrowed to: each given part must match (case-insensitive substrings). */
export interface InspectorFilter {
  /** Matches a username or user id among the entry's users. */
  user?: string | undefined;
  /** Matches the channel id or join target (a room name matches its channel id `2...NAME`). */
  channel?: string | undefined;
}

/** True if `entry` passes `filter`. Shared by the server's API and the page. */
export function matchesFilter(entry: InspectorEntry, filter: InspectorFilter): boolean {
  const user = filter.user?.trim().toLowerCase() ?? "";
  if (user !== "") {
    const hit = entry.users.some(
      (u) => u.username.toLowerCase().includes(user) || u.userId.toLowerCase().includes(user),
    );
    if (!hit) return false;
  }
  const channel = filter.channel?.trim().toLowerCase() ?? "";
  if (channel !== "") {
    const id = entry.channelId?.toLowerCase() ?? "";
    const target = entry.target?.toLowerCase() ?? "";
    if (!id.includes(channel) && !target.includes(channel)) return false;
  }
  return true;
}
