// The page's logic, on the global `herald` that dist/herald.min.js defines (no build step, no
// framework). `?server=http://host:port&room=name&username=ada` pre-fills the form.

const { Client, ChannelType } = globalThis.herald;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.get("server")) $("server").value = params.get("server");
if (params.get("username")) $("username").value = params.get("username");
const roomName = params.get("room") || "lobby";
$("room-name").textContent = roomName;

/** Shows an error: HeraldErrors print as `HeraldError [code]: message`. */
function showError(err) {
  $("error").textContent = String(err);
}

/** A device id per browser and name, kept in localStorage so the same account comes back. */
function deviceId(username) {
  const key = `herald-example-device-${username}`;
  try {
    const known = localStorage.getItem(key);
    if (known) return known;
    const id = `browser-${crypto.randomUUID()}`;
    localStorage.setItem(key, id);
    return id;
  } catch {
    return `browser-${crypto.randomUUID()}`; // storage refused (private mode): a new account each time
  }
}

/** Adds a line to a list, as text (never HTML: names and messages come from other users). */
function addLine(list, ...parts) {
  const li = document.createElement("li");
  for (const [i, part] of parts.entries()) {
    const node = i === 0 ? document.createElement("span") : document.createTextNode(part);
    if (i === 0) node.textContent = part;
    li.append(node);
  }
  list.append(li);
  return li;
}

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("error").textContent = "";
  try {
    const url = new URL($("server").value);
    const client = new Client({
      host: url.hostname,
      port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
      ssl: url.protocol === "https:",
    });
    const username = $("username").value;
    const session = await client.authenticateDevice({ id: deviceId(username), username });
    await start(client, session);
    $("sign-in").hidden = true;
    $("app").hidden = false;
  } catch (err) {
    showError(err);
  }
});

async function start(client, session) {
  $("me").textContent = session.username;
  const socket = client.createSocket();
  socket.on("state", ({ current }) => {
    $("state").textContent = current;
  });
  socket.onError(showError);
  await socket.connect(session, { appearOnline: true });
  $("state").textContent = socket.state;

  // Friends: one line per followed user, updated as their status changes.
  const friendLines = new Map();
  const showFriend = (p, status) => {
    let li = friendLines.get(p.userId);
    if (!li) {
      li = addLine($("friends"), p.username, "");
      li.dataset.userId = p.userId;
      friendLines.set(p.userId, li);
    }
    li.lastChild.textContent = status === undefined ? " is offline" : ` is "${status}"`;
  };
  socket.onStatusPresence(({ joins, leaves }) => {
    for (const p of leaves) showFriend(p, undefined);
    for (const p of joins) showFriend(p, p.status);
  });
  $("follow-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const name = $("follow-name").value.trim();
      const { users } = await client.getUsers(session, { usernames: [name] });
      if (users.length === 0) throw new Error(`no user named ${name}`);
      const { presences } = await socket.followUsers(users.map((u) => u.id));
      for (const u of users) showFriend({ userId: u.id, username: u.username }, undefined);
      for (const p of presences) showFriend(p, p.status);
      $("follow-name").value = "";
    } catch (err) {
      showError(err);
    }
  });

  // Status.
  $("status-form").addEventListener("submit", (event) => {
    event.preventDefault();
    socket.updateStatus($("status").value).catch(showError);
  });
  $("appear-offline").addEventListener("click", () => {
    $("status").value = "";
    socket.appearOffline().catch(showError);
  });

  // Chat: the room's latest messages, then live ones.
  const room = await socket.joinChat(roomName, ChannelType.Room, { persistence: true });
  const showMessage = (m) => {
    addLine($("messages"), `${m.username}: `, String(m.content.text ?? JSON.stringify(m.content)));
    $("messages").scrollTop = $("messages").scrollHeight;
  };
  const { messages } = await client.listChannelMessages(session, room.id, { limit: 20, forward: false });
  for (const m of messages.reverse()) showMessage(m);
  socket.onChannelMessage((m) => {
    if (m.channelId === room.id) showMessage(m);
  });
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("chat-text").value.trim();
    if (!text) return;
    $("chat-text").value = "";
    socket.writeChatMessage(room.id, { text }).catch(showError);
  });
}
