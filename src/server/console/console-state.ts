import type { ChannelMessageInit } from "../../gen/wire.js";
import type {
  ChannelView,
  ConsoleSnapshot,
  MemberView,
  MessageView,
  OnlineUser,
  SessionView,
} from "./console-snapshot.js";
import type { ConsoleSources } from "./console-sources.js";
import type { ObservedSession } from "./console-tap.js";

/** Channels listed at most (live ones first, then those with the newest messages). */
const MAX_CHANNELS = 60;
/** Newest messages listed per channel. */
const LATEST = 5;
/** Channels whose recent activity is remembered in memory. */
const MAX_ACTIVE_CHANNELS = 1000;
const MAX_CONTENT_CHARS = 300;
/** Users listed at most (the totals count them all). */
const MAX_USERS = 500;
/** Members listed per channel at most (`memberCount` counts them all). */
const MAX_MEMBERS = 100;
/**
 * How long counts read from the message table are reused. Counting scans the table's index, so it
 * is not done on every push; messages pushed in between are added to the counts as they pass.
 */
const COUNTS_TTL_MS = 5000;

interface Activity {
  sent: number;
  latest: MessageView[];
}

const cut = (s: string) => (s.length > MAX_CONTENT_CHARS ? `${s.slice(0, MAX_CONTENT_CHARS)}…` : s);

/**
 * Builds the console's snapshot from the server's live state and its message table, and keeps
 * per-channel activity since start (which also covers messages that are not stored).
 */
export class ConsoleState {
  private readonly startedAt = new Date().toISOString();
  private readonly connectedAt = new WeakMap<ObservedSession, number>();
  private readonly activity = new Map<string, Activity>();
  /** Stored-message counts as last read, by channel (the channels with the newest messages). */
  private counts: Map<string, number> | undefined;
  private countsAt = 0;
  /** Counts read one by one since, for channels outside `counts`. */
  private readonly singleCounts = new Map<string, number>();
  /** Stored messages added (or removed) since the counts were read, as seen passing. */
  private readonly countDeltas = new Map<string, number>();

  constructor(private readonly sources: ConsoleSources) {}

  sessionOpened(session: ObservedSession): void {
    this.connectedAt.set(session, Date.now());
  }

  /** Notes a chat message pushed to a channel's members (once per message, not per member). */
  messagePushed(message: ChannelMessageInit): void {
    const channelId = message.channelId;
    if (channelId === undefined || channelId === "") return;
    let a = this.activity.get(channelId);
    if (a === undefined) {
      a = { sent: 0, latest: [] };
      if (this.activity.size >= MAX_ACTIVE_CHANNELS) {
        const oldest = this.activity.keys().next().value;
        if (oldest !== undefined) this.activity.delete(oldest);
      }
    } else {
      // Re-inserted so the map stays in order of last activity.
      this.activity.delete(channelId);
    }
    this.activity.set(channelId, a);
    const code = message.code ?? 0;
    if (message.persistent !== false && code !== 1) {
      this.countDeltas.set(channelId, (this.countDeltas.get(channelId) ?? 0) + (code === 2 ? -1 : 1));
    }
    // An edit (1) or removal (2) changes a message already listed rather than adding one.
    if (code === 1 || code === 2) {
      const i = a.latest.findIndex((m) => m.messageId === message.messageId);
      if (i >= 0 && code === 2) a.latest.splice(i, 1);
      const listed = a.latest[i];
      if (listed !== undefined && code === 1) listed.content = cut(message.content ?? "");
      return;
    }
    if (code === 0) a.sent += 1;
    a.latest.unshift({
      messageId: message.messageId ?? "",
      senderId: message.senderId ?? "",
      username: message.username ?? "",
      content: cut(message.content ?? ""),
      createTime: (message.createTime ?? new Date()).toISOString(),
      code: message.code ?? 0,
      persistent: message.persistent !== false,
    });
    if (a.latest.length > LATEST) a.latest.length = LATEST;
  }

  async snapshot(): Promise<ConsoleSnapshot> {
    const { sources } = this;
    const users = new Map<string, OnlineUser>();
    const members = new Map<string, MemberView[]>();
    let sessionCount = 0;
    for (const s of sources.sessions.all()) {
      sessionCount += 1;
      let user = users.get(s.userId);
      if (user === undefined) {
        user = {
          userId: s.userId,
          username: s.username,
          invisible: sources.visibility.isInvisible(s.userId),
          sessions: [],
        };
        users.set(s.userId, user);
      }
      const view: SessionView = {
        sessionId: s.id,
        format: s.codec.format,
        status: s.status ?? null,
        follows: [...s.follows],
        channels: [...s.channels.keys()],
      };
      const at = this.connectedAt.get(s);
      if (at !== undefined) view.connectedAt = new Date(at).toISOString();
      user.sessions.push(view);
      for (const [channelId, membership] of s.channels) {
        const live = sources.channels.get(channelId)?.members.get(s.id);
        const hidden = live?.hidden ?? membership.hidden;
        let list = members.get(channelId);
        if (list === undefined) {
          list = [];
          members.set(channelId, list);
        }
        list.push({
          userId: s.userId,
          username: s.username,
          sessionId: s.id,
          hidden,
          invisible: live?.hiddenByInvisible ?? false,
        });
      }
    }

    const stored = await this.storedCounts();
    // Live channels first (most members first), then the most recently active.
    const ids: string[] = [...members.keys()].sort(
      (a, b) => (members.get(b)?.length ?? 0) - (members.get(a)?.length ?? 0) || a.localeCompare(b),
    );
    const listed = new Set(ids);
    for (const id of [...[...this.activity.keys()].reverse(), ...stored.keys()]) {
      if (listed.has(id)) continue;
      listed.add(id);
      ids.push(id);
    }

    const channels: ChannelView[] = [];
    for (const channelId of ids.slice(0, MAX_CHANNELS)) {
      const storedCount = Math.max(0, await this.storedCount(stored, channelId));
      const present = (members.get(channelId) ?? []).sort((a, b) => a.username.localeCompare(b.username));
      channels.push({
        channelId,
        ...(await this.describe(channelId)),
        members: present.slice(0, MAX_MEMBERS),
        memberCount: present.length,
        storedMessages: storedCount,
        sentSinceStart: this.activity.get(channelId)?.sent ?? 0,
        latest: storedCount > 0 || this.activity.has(channelId) ? await this.latest(channelId) : [],
      });
    }

    const online = [...users.values()].sort((a, b) => a.username.localeCompare(b.username));
    return {
      server: { version: sources.version, startedAt: this.startedAt, serverKey: sources.serverKey },
      users: online.slice(0, MAX_USERS),
      channels,
      totals: { users: online.length, sessions: sessionCount, channels: members.size },
    };
  }

  /** Counts of the channels with the newest messages, read again once they are too old. */
  private async storedCounts(): Promise<Map<string, number>> {
    const now = Date.now();
    if (this.counts !== undefined && now - this.countsAt < COUNTS_TTL_MS) return this.counts;
    const counts = new Map<string, number>();
    for (const row of await this.sources.messages.busiestChannels(MAX_CHANNELS)) {
      counts.set(row.channelId, row.count);
    }
    this.counts = counts;
    this.countsAt = now;
    this.singleCounts.clear();
    this.countDeltas.clear();
    return counts;
  }

  private async storedCount(counts: Map<string, number>, channelId: string): Promise<number> {
    let base = counts.get(channelId) ?? this.singleCounts.get(channelId);
    if (base === undefined) {
      base = await this.sources.messages.count(channelId);
      // Read now, so only messages from now on are deltas: start this channel's delta afresh.
      this.singleCounts.set(channelId, base);
      this.countDeltas.delete(channelId);
    }
    return base + (this.countDeltas.get(channelId) ?? 0);
  }

  /** The newest messages, from the table and from what passed since start (unstored ones too). */
  private async latest(channelId: string): Promise<MessageView[]> {
    const byId = new Map<string, MessageView>();
    const seen = this.activity.get(channelId)?.latest ?? [];
    for (const m of seen) byId.set(m.messageId, m);
    // Enough seen passing: the table cannot add newer ones.
    if (seen.length >= LATEST) return seen.slice(0, LATEST);
    for (const r of await this.sources.messages.before(channelId, Number.MAX_SAFE_INTEGER, LATEST)) {
      if (byId.has(r.id)) continue;
      byId.set(r.id, {
        messageId: r.id,
        senderId: r.sender_id,
        username: r.username,
        content: cut(r.content),
        createTime: new Date(r.create_time).toISOString(),
        code: r.code,
        persistent: true,
      });
    }
    return [...byId.values()].sort((a, b) => b.createTime.localeCompare(a.createTime)).slice(0, LATEST);
  }

  private async describe(channelId: string): Promise<Pick<ChannelView, "type" | "label">> {
    const [mode, subject = "", subcontext = ""] = channelId.split(".");
    if (mode === "3") {
      return { type: "group", label: (await this.sources.groups.byId(subject))?.name ?? subject };
    }
    if (mode === "4") {
      const name = async (id: string) => (await this.sources.users.byId(id))?.username ?? id;
      return { type: "direct", label: `${await name(subject)} ↔ ${await name(subcontext)}` };
    }
    return { type: "room", label: channelId.split(".").slice(3).join(".") };
  }
}
