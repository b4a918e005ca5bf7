import type { ChannelMessageInit, NotificationInit, NotificationsInit } from "../gen/wire.js";
import { fakeId } from "./fake-defaults.js";

/** Content a test gives for a push: JSON text as it goes on the wire, or an object sent as JSON. */
export type FakeContent = string | object | undefined;

const contentText = (content: FakeContent) =>
  typeof content === "string" ? content : JSON.stringify(content ?? {});

/** A chat message push with a fresh id, the current time, `persistent: true` and code 0 unless given. */
export function channelMessageBody(
  message: Omit<ChannelMessageInit, "content"> & { content?: FakeContent },
): ChannelMessageInit {
  const now = new Date();
  const { content, ...rest } = message;
  return {
    messageId: fakeId("message"),
    code: 0,
    createTime: now,
    updateTime: now,
    persistent: true,
    ...rest,
    content: contentText(content),
  };
}

/** A notifications push, each with a fresh id, the current time and `persistent: true` unless given. */
export function notificationsBody(
  notifications: readonly (Omit<NotificationInit, "content"> & { content?: FakeContent })[],
): NotificationsInit {
  return {
    notifications: notifications.map(({ content, ...n }) => ({
      id: fakeId("notification"),
      createTime: new Date(),
      persistent: true,
      ...n,
      content: contentText(content),
    })),
  };
}
