// A dedicated Web Worker: no `window`, no DOM. Loads the core bundle with importScripts and signs a user
// in, connects, pings and sets a status, then reports back to the page.
importScripts("/herald.min.js");

globalThis.onmessage = async (event) => {
  const { host, port, serverKey } = event.data;
  try {
    const client = new globalThis.herald.Client({ host, port, ssl: false, serverKey });
    const tag = Math.random().toString(36).slice(2, 10);
    const session = await client.authenticateDevice({
      id: `worker-${tag}`,
      create: true,
      username: `worker${tag}`,
    });
    const socket = client.createSocket();
    await socket.connect(session, { appearOnline: true });
    await socket.ping();
    await socket.updateStatus("in a worker");
    const { users } = await client.getUsers(session, { ids: [session.userId] });
    await socket.disconnect();
    globalThis.postMessage({
      ok: true,
      hasWindow: typeof globalThis.window !== "undefined",
      userId: session.userId,
      listedUserIds: users.map((u) => u.id),
    });
  } catch (err) {
    globalThis.postMessage({ ok: false, error: String(err?.stack ?? err) });
  }
};
