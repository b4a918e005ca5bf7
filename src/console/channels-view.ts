import type { ChannelView, ConsoleSnapshot } from "../server/console/console-snapshot.js";
import { clock, h } from "./dom.js";

const typeNames: Record<ChannelView["type"], string> = { room: "room", group: "group", direct: "direct" };

/** Chat content is a JSON object's text; show its `text` field when it has one. */
function contentText(content: string): string {
  try {
    const parsed = JSON.parse(content) as unknown;
    if (parsed !== null && typeof parsed === "object" && "text" in parsed) {
      const text = (parsed as { text: unknown }).text;
      if (typeof text === "string") return text;
    }
  } catch {
    // Cut or not JSON: show as is.
  }
  return content;
}

const eventNames: Record<number, string> = {
  3: "joined the group",
  4: "was added to the group",
  5: "left the group",
  6: "was kicked",
  7: "was promoted",
  8: "was banned",
  9: "was demoted",
};

function card(channel: ChannelView): HTMLElement {
  const members =
    channel.members.length === 0
      ? h("span", { class: "muted" }, "nobody here now")
      : h(
          "ul",
          { class: "members" },
          ...channel.members.map((m) =>
            h(
              "li",
              { class: m.hidden ? "member hidden" : "member", title: m.sessionId },
              m.username,
              m.hidden ? h("span", { class: "badge hidden" }, m.invisible ? "invisible" : "hidden") : null,
            ),
          ),
          channel.memberCount > channel.members.length
            ? h("li", { class: "member more" }, `+${channel.memberCount - channel.members.length} more`)
            : null,
        );
  const latest = channel.latest.map((m) =>
    h(
      "li",
      { class: "message" },
      h("time", { class: "muted" }, clock(m.createTime)),
      h("strong", {}, m.username),
      h(
        "span",
        { class: "text" },
        m.code === 0 ? contentText(m.content) : (eventNames[m.code] ?? `event ${m.code}`),
      ),
      m.persistent
        ? null
        : h("span", { class: "badge", title: "Sent with persistence off: not in history" }, "not stored"),
    ),
  );
  return h(
    "article",
    { class: "channel", "data-channel": channel.channelId },
    h(
      "header",
      {},
      h("span", { class: `badge type-${channel.type}` }, typeNames[channel.type]),
      h("strong", { class: "label" }, channel.label),
      h(
        "span",
        { class: "counts muted", title: "stored in history · sent since the server started" },
        `${channel.storedMessages} stored · ${channel.sentSinceStart} since start`,
      ),
    ),
    h("div", { class: "mono id" }, channel.channelId),
    members,
    latest.length ? h("ol", { class: "messages" }, ...latest) : null,
  );
}

/** Renders the channels: live ones first, each with members, counts and latest messages. */
export function renderChannels(root: HTMLElement, snapshot: ConsoleSnapshot): void {
  if (snapshot.channels.length === 0) {
    root.replaceChildren(h("p", { class: "empty" }, "No channels yet. Join a room with “Try it”."));
    return;
  }
  root.replaceChildren(...snapshot.channels.map(card));
}
