import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { CallOptions } from "../call-options.js";
import { HeraldError } from "../errors.js";
import type { ChannelMessageAck, JsonObject } from "../gen/model.js";
import type { ChannelType } from "../gen/wire.js";
import type { WriteChatMessageOptions } from "../socket/socket-types.js";
import { type ChannelOptions, type ChannelSnapshot, channelKey, joiningSnapshot } from "./channel-types.js";
import type { ChannelView } from "./channel-view.js";
import { useHeraldConnection } from "./herald-context.js";

/** What {@link useChannel} returns. The functions keep their identity while the channel does. */
export interface ChannelResult<T extends object = JsonObject> extends ChannelSnapshot<T> {
  /**
   * Sends a message (waiting for the join if it is still in flight). Resolves with the server's
   * acknowledgement; the message itself shows in `messages` when the server echoes it.
   */
  send(content: T, options?: WriteChatMessageOptions): Promise<ChannelMessageAck>;
  /** Replaces the content of a message this user wrote. */
  update(messageId: string, content: T, options?: CallOptions): Promise<ChannelMessageAck>;
  /** Removes a message this user wrote. */
  remove(messageId: string, options?: CallOptions): Promise<ChannelMessageAck>;
  /**
   * Reads the next older page of history into `messages`; resolves at once when there is none;
   * rejects with `unsupported` when `historyLimited` (the server cannot page further back).
   */
  loadOlder(options?: CallOptions): Promise<void>;
}

/**
 * Joins a channel while the component is mounted: a room by name (`ChannelType.Room`), a group by
 * id (`ChannelType.Group`) or a direct chat with a user by id (`ChannelType.DirectMessage`). Returns
 * its messages (the newest history page, older pages on `loadOlder()`, then live ones; edits and
 * removals applied, those made while the connection was away too: see docs/react.md for how far
 * back), its members, and `send`. Components asking for the same channel share one
 * join (each with history pages of its own `historyPageSize`); it is left when the last one
 * unmounts. One asking for other `persistence` or `hidden` while the channel is in use is `failed`
 * with a `bad_input` error naming the conflict (a socket joins a channel once, with one set of
 * options). `T` types the messages' content.
 *
 * ```tsx
 * const { messages, send } = useChannel<{ text: string }>("lobby", ChannelType.Room);
 * ```
 */
export function useChannel<T extends object = JsonObject>(
  target: string,
  type: ChannelType,
  options: ChannelOptions = {},
): ChannelResult<T> {
  const connection = useHeraldConnection("useChannel");
  const [held, setHeld] = useState<{ view: ChannelView; key: string } | undefined>(undefined);
  // The functions read the view here, so those of the first render work once the effect has run.
  const current = useRef<ChannelView | undefined>(undefined);
  const { persistence, hidden, historyPageSize } = options ?? {};
  const key = `${channelKey(target, type, { persistence, hidden })} ${historyPageSize}`;
  // Between a render asking for another channel and the effect that joins it, the view held is
  // the old channel's: showing its messages under the new name would be wrong, so it is "joining".
  const view = held?.key === key ? held.view : undefined;
  useEffect(() => {
    if (connection.stopped) return undefined;
    const { view: v, release } = connection.acquireChannel(target, type, {
      persistence,
      hidden,
      historyPageSize,
    });
    current.current = v;
    setHeld({ view: v, key });
    return () => {
      if (current.current === v) current.current = undefined;
      release();
    };
    // `key` is made of the other dependencies.
  }, [connection, target, type, persistence, hidden, historyPageSize, key]);

  const snapshot = useSyncExternalStore(
    useCallback((fn: () => void) => view?.subscribe(fn) ?? (() => {}), [view]),
    () => view?.snapshot ?? joiningSnapshot,
    () => joiningSnapshot,
  ) as ChannelSnapshot<T>;

  const actions = useMemo(() => {
    const withView = <R>(run: (v: ChannelView) => Promise<R>): Promise<R> => {
      const v = current.current;
      return v ? run(v) : Promise.reject(notMounted());
    };
    return {
      send: (content: T, o?: WriteChatMessageOptions) => withView((v) => v.send(content, o)),
      update: (id: string, content: T, o?: CallOptions) => withView((v) => v.update(id, content, o)),
      remove: (id: string, o?: CallOptions) => withView((v) => v.remove(id, o)),
      loadOlder: (o?: CallOptions) => withView((v) => v.loadOlder(o)),
    };
  }, []);
  return useMemo(() => ({ ...snapshot, ...actions }), [snapshot, actions]);
}

function notMounted(): HeraldError {
  return new HeraldError(
    "bad_input",
    "useChannel: the component is not mounted (call from effects or events)",
  );
}
