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
 * How long the counts of the channels with the newest messages are reused. Counting scans the
 * table's index, so it is not done on every push: messages pushed in between are added to the
 * counts as they pass (those the read did not count, told apart by their seq).
 */
const COUNTS_TTL_MS = 5000;

interface Activity {
  sent: number;
  latest: MessageView[];
}

/** A channel's stored messages as a read of the table counted them, and those pushed since. */
interface StoredCount {
  /** The read it comes from, numbered as reads start: a later read replaces it, never an earlier one. */
  read: number;
  count: number;
  /**
   * The newest seq the read saw: a channel's messages commit in seq order, so the read counted
   * every message pushed with a seq up to it, and none above it.
   */
  newest: number;
  /** Messages pushed with a seq above `newest`. */
  added: number;
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
  /** Stored-message counts by channel: the channels with the newest messages, then others listed. */
  private readonly counts = new Map<string, StoredCount>();
  /** The channels with the newest messages, newest first, as last read. */
  private busiest: string[] = [];
  /** When that read started (0: never). */
  private busiestAt = 0;
  private busiestRead: Promise<void> | undefined;
  private readsStarted = 0;
  /** Seqs of the messages pushed while each running read runs, by channel: its result tells which it counted. */
  private readonly running = new Map<number, Map<string, number[]>>();
  /**
   * Channels to count afresh: a removal (or a stored message without its seq) passed there, and
   * no order tells whether a read already counted it.
   */
  private readonly stale = new Set<string>();

  constructor(private readonly sources: ConsoleSources) {}

  sessionOpened(session: ObservedSession): void {
    this.connectedAt.set(session, Date.now());
  }

  /**
   * Notes a chat message pushed to a channel's members (once per message, not per member), with
   * its seq in the channel's history if it is a stored message.
   */
  messagePushed(message: ChannelMessageInit, storedSeq?: number): void {
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
    if (message.persistent !== false && code !== 1)
      this.storedPushed(channelId, code === 2 ? undefined : storedSeq);
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

    await this.readBusiest();
    // Live channels first (most members first), then the most recently active.
    const ids: string[] = [...members.keys()].sort(
      (a, b) => (members.get(b)?.length ?? 0) - (members.get(a)?.length ?? 0) || a.localeCompare(b),
    );
    const listed = new Set(ids);
    for (const id of [...[...this.activity.keys()].reverse(), ...this.busiest]) {
      if (listed.has(id)) continue;
      listed.add(id);
      ids.push(id);
    }

    const channels: ChannelView[] = [];
    for (const channelId of ids.slice(0, MAX_CHANNELS)) {
      const storedCount = Math.max(0, await this.storedCount(channelId));
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

  /** A stored message was pushed to a channel (`seq` undefined: a removal, or a seq not known). */
  private storedPushed(channelId: string, seq: number | undefined): void {
    if (seq === undefined) {
      this.stale.add(channelId);
      return;
    }
    for (const pushed of this.running.values()) {
      const seqs = pushed.get(channelId);
      if (seqs === undefined) pushed.set(channelId, [seq]);
      else seqs.push(seq);
    }
    const known = this.counts.get(channelId);
    if (known !== undefined && seq > known.newest) known.added += 1;
  }

  /** Runs a read of the message table, noting the seqs pushed meanwhile for {@link counted}. */
  private async read<T>(
    fn: () => Promise<T>,
  ): Promise<{ read: number; result: T; pushed: Map<string, number[]> }> {
    const read = ++this.readsStarted;
    const pushed = new Map<string, number[]>();
    this.running.set(read, pushed);
    try {
      return { read, result: await fn(), pushed };
    } finally {
      this.running.delete(read);
    }
  }

  /** Keeps a channel's count from read `read`, unless a later read's is already kept. */
  private counted(
    read: number,
    pushed: Map<string, number[]>,
    channelId: string,
    count: number,
    newest: number,
  ) {
    const known = this.counts.get(channelId);
    if (known !== undefined && known.read > read) return;
    // Pushed while the read ran: counted by it or not, as their seq says.
    const added = (pushed.get(channelId) ?? []).filter((seq) => seq > newest).length;
    this.counts.set(channelId, { read, count, newest, added });
  }

  /** Reads the counts of the channels with the newest messages, once they are too old. */
  private async readBusiest(): Promise<void> {
    if (this.busiestAt !== 0 && Date.now() - this.busiestAt < COUNTS_TTL_MS) return;
    this.busiestRead ??= (async () => {
      const startedAt = Date.now();
      // Every removal pushed so far is in the table this read sees.
      const stale = [...this.stale];
      this.stale.clear();
      try {
        const { read, result, pushed } = await this.read(() =>
          this.sources.messages.busiestChannels(MAX_CHANNELS),
        );
        for (const row of result) this.counted(read, pushed, row.channelId, row.count, row.newest);
        // Other channels are counted again when listed (rows removed by retention pass no push).
        const busiest = new Set(result.map((row) => row.channelId));
        for (const [channelId, known] of this.counts) {
          if (!busiest.has(channelId) && known.read < read) this.counts.delete(channelId);
        }
        this.busiest = [...busiest];
        this.busiestAt = startedAt;
      } catch (err) {
        for (const channelId of stale) this.stale.add(channelId);
        throw err;
      } finally {
        this.busiestRead = undefined;
      }
    })();
    await this.busiestRead;
  }

  /** A channel's count: as kept, or read on its own when none is kept or a removal passed. */
  private async storedCount(channelId: string): Promise<number> {
    let known = this.counts.get(channelId);
    if (known === undefined || this.stale.has(channelId)) {
      this.stale.delete(channelId);
      try {
        const { read, result, pushed } = await this.read(() => this.sources.messages.count(channelId));
        this.counted(read, pushed, channelId, result.count, result.newest);
      } catch (err) {
        this.stale.add(channelId);
        throw err;
      }
      known = this.counts.get(channelId);
    }
    return known === undefined ? 0 : known.count + known.added;
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
