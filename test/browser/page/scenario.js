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
