import { type InspectorEntry, matchesFilter } from "../server/console/inspector-entry.js";
import { byId, clock, h } from "./dom.js";

/** Entries kept in the page (the server keeps its own, bounded, history). */
const KEEP = 500;

/** The message inspector: recent envelopes in and out, filtered by user or channel. */
export class InspectorView {
  private entries: InspectorEntry[] = [];
  private lastSeq = 0;
  private paused = false;
  private readonly list = byId<HTMLOListElement>("inspector");
  private readonly user = byId<HTMLInputElement>("filter-user");
  private readonly channel = byId<HTMLInputElement>("filter-channel");
  private readonly pings = byId<HTMLInputElement>("filter-pings");
  private readonly pause = byId<HTMLButtonElement>("inspector-pause");

  constructor() {
    for (const input of [this.user, this.channel, this.pings])
      input.addEventListener("input", () => this.render());
    this.pause.addEventListener("click", () => {
      this.paused = !this.paused;
      this.pause.textContent = this.paused ? "Resume" : "Pause";
      if (!this.paused) this.render();
    });
  }

  /** Adds entries from the feed (a reconnect may repeat some: they are skipped by sequence number). */
  add(entries: InspectorEntry[]): void {
    const fresh = entries.filter((e) => e.seq > this.lastSeq);
    if (fresh.length === 0) return;
    this.lastSeq = fresh[fresh.length - 1]?.seq ?? this.lastSeq;
    this.entries.push(...fresh);
    if (this.entries.length > KEEP) this.entries.splice(0, this.entries.length - KEEP);
    if (!this.paused) this.render();
  }

  /** Forgets everything (after the server restarted, its sequence numbers start over). */
  reset(): void {
    this.entries = [];
    this.lastSeq = 0;
    this.render();
  }

  private render(): void {
    const filter = { user: this.user.value, channel: this.channel.value };
    const showPings = this.pings.checked;
    const shown = this.entries
      .filter((e) => (showPings || (e.kind !== "ping" && e.kind !== "pong")) && matchesFilter(e, filter))
      .slice(-200)
      .reverse();
    if (shown.length === 0) {
      this.list.replaceChildren(
        h("li", { class: "empty" }, this.entries.length ? "Nothing matches the filter." : "No traffic yet."),
      );
      return;
    }
    this.list.replaceChildren(...shown.map(row));
  }
}

function row(e: InspectorEntry): HTMLElement {
  const who = e.users.map((u) => u.username).join(", ");
  const more = e.sessionCount > e.users.length ? ` (${e.sessionCount} sessions)` : "";
  return h(
    "li",
    { class: `entry ${e.direction}`, "data-kind": e.kind },
    h(
      "div",
      { class: "entry-head" },
      h("time", { class: "muted" }, clock(e.time)),
      h(
        "span",
        { class: `dir ${e.direction}`, title: e.direction === "in" ? "from a client" : "to clients" },
        e.direction === "in" ? "▲ in" : "▼ out",
      ),
      h("strong", { class: "kind" }, e.kind),
      h("span", { class: "who" }, e.direction === "in" ? `from ${who}` : `to ${who}${more}`),
      e.channelId ? h("span", { class: "mono muted" }, e.channelId) : null,
    ),
    h(
      "details",
      {},
      h("summary", { class: "mono wire-short" }, e.wire.length > 120 ? `${e.wire.slice(0, 120)}…` : e.wire),
      h("pre", { class: "wire" }, e.wire),
    ),
  );
}
