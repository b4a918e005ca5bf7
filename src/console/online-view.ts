import type { ConsoleSnapshot, OnlineUser, SessionView } from "../server/console/console-snapshot.js";
import { h, shortId } from "./dom.js";

function statusCell(session: SessionView, user: OnlineUser): HTMLElement {
  if (session.status === null) return h("span", { class: "status offline" }, "appears offline");
  const text = session.status === "" ? "online (no status)" : session.status;
  // An invisible user's status is real but nobody else sees it.
  return h("span", { class: user.invisible ? "status hidden-status" : "status" }, text);
}

/** Renders who is online: one row per session, grouped by user. */
export function renderOnline(root: HTMLElement, snapshot: ConsoleSnapshot): void {
  const names = new Map(snapshot.users.map((u) => [u.userId, u.username]));
  if (snapshot.users.length === 0) {
    root.replaceChildren(
      h("p", { class: "empty" }, "Nobody is connected. Sign a test user in with “Try it”."),
    );
    return;
  }
  const rows: HTMLElement[] = [];
  for (const user of snapshot.users) {
    user.sessions.forEach((s, i) => {
      const follows = s.follows.map((id) => names.get(id) ?? shortId(id));
      rows.push(
        h(
          "tr",
          { "data-user": user.username, "data-session": s.sessionId },
          i === 0
            ? h(
                "td",
                { rowspan: String(user.sessions.length), class: "user" },
                h("strong", {}, user.username),
                user.invisible
                  ? h(
                      "span",
                      { class: "badge invisible", title: "Appears offline to everyone else" },
                      "invisible",
                    )
                  : null,
                h("div", { class: "id", title: user.userId }, shortId(user.userId)),
              )
            : null,
          h(
            "td",
            { class: "mono", title: s.sessionId },
            shortId(s.sessionId),
            h("span", { class: "badge" }, s.format),
          ),
          h("td", { class: "status-cell" }, statusCell(s, user)),
          h(
            "td",
            { class: "small" },
            follows.length ? follows.join(", ") : h("span", { class: "muted" }, "—"),
          ),
          h("td", { class: "num" }, s.channels.length),
        ),
      );
    });
  }
  const unlisted = snapshot.totals.users - snapshot.users.length;
  root.replaceChildren(
    h(
      "table",
      { class: "table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "User"),
          h("th", {}, "Session"),
          h("th", {}, "Status"),
          h("th", {}, "Follows"),
          h("th", { class: "num" }, "Channels"),
        ),
      ),
      h("tbody", {}, ...rows),
    ),
    unlisted > 0
      ? h("p", { class: "muted small" }, `… and ${unlisted} more users (the first 500 by name are listed)`)
      : "",
  );
}
