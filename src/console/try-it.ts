import { h } from "./dom.js";
import { type HeraldSdk, sdk } from "./sdk.js";

type Client = HeraldSdk.Client;
type Socket = HeraldSdk.Socket;
type Session = HeraldSdk.Session;

/** Where the "try it" panel's SDK connects: the server that serves the page. */
function client(serverKey: string): Client {
  const ssl = location.protocol === "https:";
  const port = location.port ? Number(location.port) : ssl ? 443 : 80;
  return new sdk.Client({ host: location.hostname, port, ssl, serverKey });
}

function describe(err: unknown): string {
  if (sdk.HeraldError.is(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

function field(id: string, label: string, value = "", placeholder = ""): HTMLInputElement {
  return h("input", { id, "aria-label": label, value, placeholder, autocomplete: "off" });
}

/**
 * The "try it" panel: signs a test user in with herald's own SDK (a custom id derived from the
 * username), and sets a status, follows, joins a room and chats, showing what comes back.
 */
export class TryItPanel {
  private serverKey = "defaultkey";
  private socket: Socket | undefined;
  private session: Session | undefined;
  private channelId: string | undefined;
  private readonly log = h("ol", { id: "try-log", class: "try-log" });
  private readonly who = h("p", { id: "try-who", class: "muted" }, "Not signed in.");
  private readonly username = field(
    "try-username",
    "Test username",
    `tester-${Math.random().toString(36).slice(2, 6)}`,
  );
  private readonly status = field("try-status", "Status", "", "e.g. Playing level 3");
  private readonly follow = field("try-follow-name", "Username to follow", "", "username");
  private readonly room = field("try-room", "Room name", "lobby");
  private readonly message = field("try-message", "Message", "", "say hi");
  private readonly signedIn: HTMLElement[] = [];

  constructor(private readonly root: HTMLElement) {
    const button = (id: string, text: string, run: () => Promise<void>, needsSocket = true) => {
      const b = h("button", { id, type: "button" }, text);
      b.addEventListener("click", () => {
        b.disabled = true;
        run()
          .catch((err: unknown) => this.note("error", describe(err)))
          .finally(() => {
            b.disabled = needsSocket && this.socket === undefined;
          });
      });
      if (needsSocket) {
        b.disabled = true;
        this.signedIn.push(b);
      }
      return b;
    };
    const row = (...children: HTMLElement[]) => h("div", { class: "row" }, ...children);
    this.root.replaceChildren(
      row(
        this.username,
        button("try-sign-in", "Sign in", () => this.signIn(), false),
        button("try-sign-out", "Sign out", () => this.signOut()),
      ),
      this.who,
      row(
        this.status,
        button("try-set-status", "Set status", () => this.setStatus()),
        button("try-offline", "Appear offline", () => this.appearOffline()),
      ),
      row(
        this.follow,
        button("try-follow", "Follow", () => this.followUser()),
      ),
      row(
        this.room,
        button("try-join", "Join room", () => this.joinRoom()),
      ),
      row(
        this.message,
        button("try-send", "Send", () => this.send()),
      ),
      this.log,
    );
  }

  /** The server key the panel signs in with (the snapshot tells it). */
  setServerKey(key: string): void {
    this.serverKey = key;
  }

  private note(kind: "event" | "ok" | "error", text: string): void {
    this.log.prepend(h("li", { class: kind }, text));
    while (this.log.childElementCount > 50) this.log.lastElementChild?.remove();
  }

  private requireSocket(): Socket {
    if (this.socket === undefined) throw new Error("sign in first");
    return this.socket;
  }

  private async signIn(): Promise<void> {
    await this.signOut();
    const name = this.username.value.trim();
    if (name === "") throw new Error("type a username");
    const c = client(this.serverKey);
    const session = await c.authenticateCustom({ id: `console-${name}`, username: name, create: true });
    const socket = c.createSocket();
    socket.onStatusPresence((e) => {
      // A change arrives as the new status in joins and the old one in leaves, for the same session.
      const changed = new Set(e.joins.map((p) => p.sessionId));
      for (const p of e.leaves)
        if (!changed.has(p.sessionId)) this.note("event", `status: ${p.username} went offline`);
      for (const p of e.joins)
        this.note(
          "event",
          p.status ? `status: ${p.username} is "${p.status}"` : `status: ${p.username} is online`,
        );
    });
    socket.onChannelPresence((e) => {
      for (const p of e.joins) this.note("event", `${p.username} joined ${e.channelId}`);
      for (const p of e.leaves) this.note("event", `${p.username} left ${e.channelId}`);
    });
    socket.onChannelMessage((m) => this.note("event", `${m.username}: ${JSON.stringify(m.content)}`));
    socket.onDisconnect(() => this.note("event", "disconnected"));
    await socket.connect(session, { appearOnline: true });
    this.socket = socket;
    this.session = session;
    this.who.textContent = `Signed in as ${session.username} (${session.userId}).`;
    for (const b of this.signedIn) (b as HTMLButtonElement).disabled = false;
    this.note("ok", `signed in as ${session.username}, online`);
  }

  private async signOut(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.channelId = undefined;
    for (const b of this.signedIn) (b as HTMLButtonElement).disabled = true;
    if (socket === undefined) return;
    await socket.disconnect();
    this.who.textContent = "Not signed in.";
    this.note("ok", `${this.session?.username ?? "user"} signed out`);
  }

  private async setStatus(): Promise<void> {
    const text = this.status.value.trim();
    if (text === "") throw new Error("type a status (or use Appear offline)");
    await this.requireSocket().updateStatus(text);
    this.note("ok", `status set to "${text}"`);
  }

  private async appearOffline(): Promise<void> {
    await this.requireSocket().appearOffline();
    this.note("ok", "appearing offline");
  }

  private async followUser(): Promise<void> {
    const name = this.follow.value.trim();
    if (name === "") throw new Error("type a username to follow");
    const { presences } = await this.requireSocket().followUsers([], { usernames: [name] });
    const online = presences.map((p) => `"${p.status ?? ""}"`).join(", ");
    this.note("ok", `following ${name}: ${presences.length ? `online, ${online}` : "not online now"}`);
  }

  private async joinRoom(): Promise<void> {
    const name = this.room.value.trim();
    if (name === "") throw new Error("type a room name");
    const channel = await this.requireSocket().joinChat(name, sdk.ChannelType.Room, {
      persistence: true,
      hidden: false,
    });
    this.channelId = channel.id;
    this.note("ok", `joined ${name} with ${channel.presences.length} other(s) present`);
  }

  private async send(): Promise<void> {
    if (this.channelId === undefined) throw new Error("join a room first");
    const text = this.message.value;
    if (text.trim() === "") throw new Error("type a message");
    await this.requireSocket().writeChatMessage(this.channelId, { text });
    this.message.value = "";
  }
}
