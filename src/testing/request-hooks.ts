import type { EnvelopeKind, EnvelopeMessages } from "../gen/wire.js";
import type { FakeConnection } from "./fake-connection.js";
import type { FakeReply } from "./fake-reply.js";

/** One request received by a fake server, typed by its kind. */
export type FakeRequest<K extends EnvelopeKind = EnvelopeKind> = {
  [P in K]: { connection: FakeConnection; cid: string | undefined; kind: P; body: EnvelopeMessages[P] };
}[K];

/** A request hook: decides the reply to one request (see {@link FakeReply}). */
export type RequestHook<K extends EnvelopeKind> = (
  body: EnvelopeMessages[K],
  request: FakeRequest<K>,
) => FakeReply | undefined | Promise<FakeReply | undefined>;

interface Entry {
  kind: string;
  hook: RequestHook<never>;
}

/** The request hooks of a fake server, in the order they were added. */
export class RequestHooks {
  readonly #entries: Entry[] = [];

  /** Adds a hook for `kind` (`"*"`: every kind); returns the function that removes it. */
  add<K extends EnvelopeKind>(kind: K | "*", hook: RequestHook<K>): () => void {
    const entry: Entry = { kind, hook: hook as RequestHook<never> };
    this.#entries.push(entry);
    return () => {
      const i = this.#entries.indexOf(entry);
      if (i >= 0) this.#entries.splice(i, 1);
    };
  }

  /**
   * The reply the hooks decide for `request`, or undefined when none did (the default answers).
   * Hooks run newest first, whatever kind they were added for; the first that returns a reply
   * decides. Synchronous hooks decide at once, so replies keep the order of their requests; a
   * hook returning a promise decides when it settles. A hook that throws (or rejects) decides
   * `failed(error)`.
   */
  decide(request: FakeRequest, failed: (error: unknown) => FakeReply): FakeReply | Promise<FakeReply> {
    const hooks = this.#entries
      .filter((e) => e.kind === request.kind || e.kind === "*")
      .map((e) => e.hook as RequestHook<EnvelopeKind>)
      .reverse();
    const run = (i: number): FakeReply | Promise<FakeReply> => {
      for (; i < hooks.length; i++) {
        let result: FakeReply | Promise<FakeReply | undefined>;
        try {
          result = (hooks[i] as RequestHook<EnvelopeKind>)(request.body, request);
        } catch (error) {
          return failed(error);
        }
        if (result instanceof Promise) {
          const next = i + 1;
          return result.then(
            (reply) => (reply === undefined ? run(next) : reply),
            (error: unknown) => failed(error),
          );
        }
        if (result !== undefined) return result;
      }
      return undefined;
    };
    return run(0);
  }
}
