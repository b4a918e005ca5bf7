// Runs inside Chromium after the IIFE bundles have defined the globals `herald` (and, for the binary
// format, `heraldProtobuf`): two users authenticate, connect, one follows the other and sees a status
// update, both join a room and one receives the other's message. Plain JavaScript on purpose: the
// page runs exactly what is written here.

/** Bounded wait for an event: resolves with the first one that matches, or fails saying what it waited for. */
function waitForEvent(subscribe, matches, what, waitMs) {
  return new Promise((resolve, reject) => {
    let off = () => {};
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${what} within ${waitMs} ms`));
    }, waitMs);
    off = subscribe((event) => {
      if (!matches(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

globalThis.runStatusAndChatScenario = async ({ host, port, serverKey, waitMs, format }) => {
  const { Client, ChannelType } = globalThis.herald;
  const client = new Client({ host, port, ssl: false, serverKey });
  // The protobuf codec comes from its own bundle (global `heraldProtobuf`); JSON is the default.
  const socketOptions = format === "protobuf" ? { codec: globalThis.heraldProtobuf.protobufCodec } : {};
  const tag = Math.random().toString(36).slice(2, 10);
  const ada = await client.authenticateDevice({
    id: `browser-ada-${tag}`,
    create: true,
    username: `ada${tag}`,
  });
  const grace = await client.authenticateDevice({
    id: `browser-grace-${tag}`,
    create: true,
    username: `grace${tag}`,
  });

  const adaSocket = client.createSocket(socketOptions);
  const graceSocket = client.createSocket(socketOptions);
  await adaSocket.connect(ada, { appearOnline: true });
  await graceSocket.connect(grace, { appearOnline: true });

  const followed = await adaSocket.followUsers([grace.userId]);
  const statusSeen = waitForEvent(
    (fn) => adaSocket.onStatusPresence(fn),
    (e) => e.joins.some((p) => p.userId === grace.userId && p.status === "Playing level 3"),
    "status presence with grace's new status",
    waitMs,
  );
  await graceSocket.updateStatus("Playing level 3");
  const status = await statusSeen;

  const adaChannel = await adaSocket.joinChat("lobby", ChannelType.Room, {
    persistence: true,
    hidden: false,
  });
  const graceChannel = await graceSocket.joinChat("lobby", ChannelType.Room, {
    persistence: true,
    hidden: false,
  });
  const messageSeen = waitForEvent(
    (fn) => adaSocket.onChannelMessage(fn),
    (m) => m.senderId === grace.userId,
    "channel message from grace",
    waitMs,
  );
  const ack = await graceSocket.writeChatMessage(graceChannel.id, { text: "hello from the browser" });
  const message = await messageSeen;

  await adaSocket.disconnect();
  await graceSocket.disconnect();
  return {
    ada: { userId: ada.userId, username: ada.username },
    grace: { userId: grace.userId, username: grace.username },
    followedUserIds: followed.presences.map((p) => p.userId),
    statusJoins: status.joins.map((p) => ({ userId: p.userId, status: p.status })),
    channelIds: [adaChannel.id, graceChannel.id],
    ack: { channelId: ack.channelId, messageId: ack.messageId },
    message: {
      channelId: message.channelId,
      messageId: message.messageId,
      senderId: message.senderId,
      username: message.username,
      content: message.content,
    },
  };
};

// With the presence bundle loaded too (global `heraldPresence`): ada watches grace, who comes online
// with a status and then leaves.
globalThis.runPresenceScenario = async ({ host, port, serverKey, waitMs }) => {
  const { Client } = globalThis.herald;
  const { PresenceStore } = globalThis.heraldPresence;
  const client = new Client({ host, port, ssl: false, serverKey });
  const tag = Math.random().toString(36).slice(2, 10);
  const ada = await client.authenticateDevice({
    id: `presence-ada-${tag}`,
    create: true,
    username: `pada${tag}`,
  });
  const grace = await client.authenticateDevice({
    id: `presence-grace-${tag}`,
    create: true,
    username: `pgrace${tag}`,
  });
  const adaSocket = client.createSocket();
  await adaSocket.connect(ada, { appearOnline: true });
  const store = new PresenceStore(adaSocket, client, ada);
  const [initial] = await store.watch([grace.userId]);

  const joined = waitForEvent(
    (fn) => store.onChange(fn),
    (c) => c.userId === grace.userId && c.current.online && c.current.status === "Exploring",
    "presence change with grace online and exploring",
    waitMs,
  );
  const graceSocket = client.createSocket();
  await graceSocket.connect(grace, { appearOnline: true });
  await graceSocket.updateStatus("Exploring");
  const online = (await joined).current;

  const left = waitForEvent(
    (fn) => store.onChange(fn),
    (c) => c.userId === grace.userId && c.type === "leave",
    "presence leave of grace",
    waitMs,
  );
  await graceSocket.disconnect();
  const offline = (await left).current;

  await store.close();
  await adaSocket.disconnect();
  return {
    graceUserId: grace.userId,
    initial: { userId: initial.userId, online: initial.online },
    online: { online: online.online, status: online.status, username: online.username },
    offline: { online: offline.online, status: offline.status },
  };
};
