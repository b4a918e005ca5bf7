import { ChannelMessageCode, ChannelType, type Envelope, type EnvelopeInit } from "../gen/wire.js";
import type { FakeChannel, FakeConnection } from "./fake-connection.js";
import type { FakeReply } from "./fake-reply.js";

let nextId = 0;

/** A fresh id for fake messages and notifications (unique within the process). */
export function fakeId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${Date.now().toString(36)}-${nextId}`;
}

function channelOf(target: string, type: number, self: FakeConnection): FakeChannel | undefined {
  if (type === ChannelType.Room) {
    return { channelId: `2...${target}`, roomName: target, groupId: "", userIdOne: "", userIdTwo: "" };
  }
  if (type === ChannelType.Group) {
    return { channelId: `3.${target}..`, roomName: "", groupId: target, userIdOne: "", userIdTwo: "" };
  }
  if (type === ChannelType.DirectMessage) {
    const [one, two] = self.userId <= target ? [self.userId, target] : [target, self.userId];
    return { channelId: `4.${one}.${two}.`, roomName: "", groupId: "", userIdOne: one, userIdTwo: two };
  }
  return undefined;
}

/**
 * The fake server's answer when no hook decided: enough of a chat server for app code to run
 * (pings answered, follows and joins accepted, messages acknowledged and echoed to the
 * connections in their channel), without storing anything or checking who may do what.
 * `broadcast` sends a push to every open connection that `to` accepts.
 */
export function defaultReply(
  envelope: Envelope,
  connection: FakeConnection,
  broadcast: (push: EnvelopeInit, to: (c: FakeConnection) => boolean) => void,
  echo: boolean,
): Exclude<FakeReply, undefined> {
  const presence = {
    userId: connection.userId,
    sessionId: connection.id,
    username: connection.username,
    persistence: true,
  };
  switch (envelope.kind) {
    case "ping":
      return { kind: "pong", body: {} };
    case "statusUpdate":
      connection.status = envelope.body.status || undefined;
      return { kind: "empty" };
    case "statusFollow":
      return { kind: "status", body: { presences: [] } };
    case "statusUnfollow":
      return { kind: "empty" };
    case "channelJoin": {
      const channel = channelOf(envelope.body.target, envelope.body.type, connection);
      if (!channel) return { error: { code: 3, message: "Unrecognized channel type" } };
      connection.channels.set(channel.channelId, channel);
      const { channelId, ...fields } = channel;
      return { kind: "channel", body: { id: channelId, presences: [], self: presence, ...fields } };
    }
    case "channelLeave":
      connection.channels.delete(envelope.body.channelId);
      return { kind: "empty" };
    case "channelMessageSend":
    case "channelMessageUpdate":
    case "channelMessageRemove": {
      const channel = connection.channels.get(envelope.body.channelId);
      if (!channel) return { error: { code: 3, message: "Must join channel before sending messages." } };
      const now = new Date();
      const messageId = "messageId" in envelope.body ? envelope.body.messageId : fakeId("message");
      const code =
        envelope.kind === "channelMessageSend"
          ? ChannelMessageCode.Chat
          : envelope.kind === "channelMessageUpdate"
            ? ChannelMessageCode.ChatUpdate
            : ChannelMessageCode.ChatRemove;
      const clientMsgId = "clientMsgId" in envelope.body ? envelope.body.clientMsgId : "";
      if (echo) {
        broadcast(
          {
            kind: "channelMessage",
            body: {
              ...channel,
              messageId,
              code,
              senderId: connection.userId,
              username: connection.username,
              content: "content" in envelope.body ? envelope.body.content : "{}",
              createTime: now,
              updateTime: now,
              persistent: true,
              clientMsgId,
            },
          },
          (c) => c.channels.has(channel.channelId),
        );
      }
      return {
        kind: "channelMessageAck",
        body: {
          ...channel,
          messageId,
          code,
          username: connection.username,
          createTime: now,
          updateTime: now,
          persistent: true,
          clientMsgId,
        },
      };
    }
    default:
      // A server-to-client message sent by the client: stock answers "unrecognized payload".
      return { error: { code: 1, message: `Unrecognized message: ${envelope.kind}` } };
  }
}
