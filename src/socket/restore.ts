import { HeraldError } from "../errors.js";
import type { Channel, Status } from "../gen/model.js";
import type { ChannelType, Envelope, StatusUpdateInit } from "../gen/wire.js";
import { toModel } from "../protocol/model.js";
import type { Session } from "../session.js";
import { canonicalUuid } from "./ids.js";
import type { Layer, LayerHost, OutgoingRequest, Send } from "./layer.js";
import { retryForNow } from "./retry-for-now.js";
import { splitToFit } from "./server-profile.js";
import type { ReconnectedEvent } from "./socket-types.js";

const RECORDED = new Set(["statusUpdate", "statusFollow", "statusUnfollow", "channelJoin", "channelLeave"]);

/** The report of a reconnection before any layer has restored anything. */
export function emptyReport(attempts: number, appearOnline: boolean): ReconnectedEvent {
  return {
    attempts,
    appearOnline,
    statusRestored: false,
    follows: [],
    followedUsernames: [],
    presences: [],
    channels: [],
    failed: [],
  };
}

/** A joined channel, as it is joined again. */
export interface JoinedChannel {
  target: string;
  type: ChannelType;
  persistence: boolean;
  hidden: boolean;
}

/**
 * Remembers what a connection was given (status, follows, joins), from the requests the server
 * accepted, and gives it to the next connection after a loss. Follows go in as many frames as the
 * server's frame limit needs.
 */
export class RestoreLayer implements Layer {
  readonly #host: LayerHost;
  readonly #onForgotten: (channelId: string, error: HeraldError | undefined) => void;
  /** What the last status update the server took from the app asked for (none: no status set). */
  #status: StatusUpdateInit | undefined;
  /** The app's newest status update: a restore waits for its answer before it sends its own again. */
  #statusSent?: Promise<unknown>;
  // Replaced, not cleared, on closed(): a follow still under way adds to its own connect()'s sets.
  #follows = new Set<string>();
  #names = new Set<string>();
  /** Joined channels by id. */
  readonly channels = new Map<string, JoinedChannel>();
  /** Aborted when the connection ends: retries of the restore under way stop waiting. */
  #stop = new AbortController();

  constructor(host: LayerHost, onForgotten: (channelId: string, error: HeraldError | undefined) => void) {
    this.#host = host;
    this.#onForgotten = onForgotten;
  }

  request =
    (next: Send): Send =>
    (request) =>
      // Chat messages and pings pass straight through: the hot path gains no extra turn.
      RECORDED.has(request.message.kind) ? this.#record(next, request) : next(request);

  async #record(next: Send, request: OutgoingRequest): Promise<Envelope | undefined> {
    const { kind, body } = request.message;
    // Those of the connect() this request was made under, whatever happens while it is under way.
    const follows = this.#follows;
    const names = this.#names;
    // A leave or an unfollow without a connection is done: a lost connection's joins and follows
    // went with it, and the next one must not get them back.
    const sent = next(request).catch((error: HeraldError): undefined => {
      if (
        (kind !== "statusUnfollow" && kind !== "channelLeave") ||
        this.#host.state === "closed" ||
        error.code !== "disconnected"
      ) {
        throw error;
      }
    });
    if (kind === "statusUpdate") this.#statusSent = sent;
    const reply = await sent;
    if (kind === "statusUpdate") this.#status = body;
    else if (kind === "statusFollow") {
      for (const id of body.userIds ?? []) follows.add(canonicalUuid(id));
      if (body.usernames?.length)
        await this.#followedNames(body.usernames, reply as Envelope, follows, names);
    } else if (kind === "statusUnfollow") {
      for (const id of body.userIds ?? []) this.#follows.delete(canonicalUuid(id));
    } else if (kind === "channelJoin") {
      const id = (reply as { body: Channel }).body.id;
      // A join of a channel joined already changes nothing on the server: its first options hold.
      if (!this.channels.has(id))
        this.channels.set(id, {
          target: body.target ?? "",
          type: (body.type ?? 0) as ChannelType,
          persistence: body.persistence ?? true,
          hidden: body.hidden ?? false,
        });
    } else if (kind === "channelLeave") {
      this.channels.delete(body.channelId ?? "");
    }
    return reply;
  }

  /**
   * Users followed by username are kept by the id the server found for each, so that an unfollow
   * (by id) ends the follow and a later rename does not move it to another user: the ids of those
   * online come with the reply, the others' from the Client. A name no id was found for is kept.
   */
  async #followedNames(
    names: readonly string[],
    reply: Envelope,
    follows: Set<string>,
    kept: Set<string>,
  ): Promise<void> {
    const ids = new Map((reply.body as Status).presences.map((p) => [p.username, p.userId]));
    const offline = names.filter((name) => !ids.has(name));
    if (offline.length) {
      await this.#host.client.getUsers(this.#host.session as Session, { usernames: offline }).then(
        (found) => {
          for (const user of found.users) ids.set(user.username, user.id);
        },
        () => {},
      );
    }
    for (const name of names) {
      const id = ids.get(name);
      if (id) follows.add(id);
      else kept.add(name);
    }
  }

  async restore(report: ReconnectedEvent): Promise<void> {
    const host = this.#host;
    const generation = host.generation;
    const signal = this.#stop.signal;
    // One request sent again, waiting out refusals for now; null if it failed for good (recorded
    // in the report under `label`), false if `dropped` says, before an attempt, not to send it.
    const step = async (
      request: OutgoingRequest,
      label = request.what,
      dropped?: () => unknown,
    ): Promise<Envelope | undefined | false | null> => {
      try {
        // Every rejoin goes at once: past the server's join burst some are refused for now.
        return await retryForNow(async () => !(await dropped?.()) && host.transmit(request), signal);
      } catch (error) {
        if (generation === host.generation)
          report.failed.push({ what: label, error: HeraldError.from(error) });
        return null;
      }
    };
    report.follows = [...this.#follows];
    report.followedUsernames = [...this.#names];
    const work: Promise<unknown>[] = [];
    const body = this.#status;
    if (body) {
      report.status = body.status;
      const stale = () => body !== this.#status;
      work.push(
        // Not sent (again) once the server took another status from the app (it would undo it); sent
        // if the app's was refused, as this one is still the last set. An answer on its way is waited for.
        step({ what: "updateStatus", message: { kind: "statusUpdate", body } }, undefined, () =>
          this.#statusSent?.then(stale, stale),
        ).then((reply) => {
          report.statusRestored = reply !== null;
        }),
      );
    }
    if (this.#follows.size || this.#names.size) {
      const parts = splitToFit(report.follows, report.followedUsernames, host.profile.maxFrameBytes);
      for (const part of parts) {
        const body = { userIds: part.ids, usernames: part.names };
        work.push(
          step({
            what: "followUsers",
            message: { kind: "statusFollow", body },
            expect: "status",
          }).then((reply) => {
            if (reply) report.presences.push(...toModel("Status", reply.body as never).presences);
          }),
        );
      }
    }
    for (const [id, channel] of [...this.channels]) {
      const what = `joinChat ${id}`;
      work.push(
        step(
          { what: "joinChat", message: { kind: "channelJoin", body: channel }, expect: "channel" },
          what,
          // Left (or joined anew) while a refusal was waited out, over this connection: the
          // leave stands, and a retry must not join the channel again.
          () => this.channels.get(id) !== channel,
        ).then((reply) => {
          // false: not sent, as the channel was left meanwhile.
          if (reply) report.channels.push((reply.body as Channel | undefined)?.id ?? id);
          else if (reply === null && generation === host.generation) {
            this.channels.delete(id);
            this.#onForgotten(id, report.failed.find((f) => f.what === what)?.error);
          }
        }),
      );
    }
    await Promise.all(work);
  }

  /** The connection was lost again: waiting retries end (the next restore starts over). */
  lost(): void {
    this.#stop.abort();
    this.#stop = new AbortController();
  }

  /** Forgets everything (the socket closed for good). */
  closed(): void {
    this.lost();
    this.#status = undefined;
    this.#follows = new Set();
    this.#names = new Set();
    this.channels.clear();
  }
}
