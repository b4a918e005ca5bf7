// A React Native chat screen on herald's hooks: connection banner, who is here, friends' statuses,
// the room's messages (newest at the bottom, older pages loaded on scroll) and a composer.
import { useState } from "react";
import { ActivityIndicator, FlatList, Pressable, StyleSheet, Text, TextInput, View } from "react-native";
import { type ChannelMessage, ChannelType } from "../../src/index.js";
import { useChannel, useConnectionState, useStatus } from "../../src/react/index.js";

type Chat = { text: string };

export function ChatScreen({ room, friendIds }: { room: string; friendIds: readonly string[] }) {
  const state = useConnectionState();
  const statuses = useStatus(friendIds);
  const chat = useChannel<Chat>(room, ChannelType.Room, { historyPageSize: 30 });
  const [draft, setDraft] = useState("");

  const send = () => {
    const text = draft.trim();
    if (!text) return;
    setDraft("");
    // With the reconnecting socket, a message sent while offline waits in its outbox.
    chat.send({ text }).catch(() => setDraft(text));
  };

  // FlatList `inverted` shows the first item at the bottom: newest first.
  const newestFirst = [...chat.messages].reverse();
  return (
    <View style={styles.screen}>
      {state !== "open" && (
        <Text style={styles.banner}>{state === "reconnecting" ? "Reconnecting…" : state}</Text>
      )}
      <Text style={styles.title}>
        #{room} · {chat.presences.length} here
      </Text>
      {friendIds.map((id) => (
        <Text key={id} numberOfLines={1}>
          {id.slice(0, 8)}: {statuses[id] ?? "offline"}
        </Text>
      ))}
      {chat.status === "joining" && chat.messages.length === 0 ? <ActivityIndicator /> : null}
      {chat.status === "failed" && <Text style={styles.error}>{chat.error?.message}</Text>}
      <FlatList<ChannelMessage<Chat>>
        data={newestFirst}
        inverted
        keyExtractor={(m) => m.messageId}
        renderItem={({ item }) => (
          <Text>
            <Text style={styles.author}>{item.username}</Text> {item.content.text}
          </Text>
        )}
        onEndReached={() => {
          if (chat.hasOlder) void chat.loadOlder();
        }}
      />
      <View style={styles.composer}>
        <TextInput
          value={draft}
          onChangeText={setDraft}
          onSubmitEditing={send}
          placeholder="Message"
          style={styles.input}
        />
        <Pressable onPress={send} disabled={!draft.trim()}>
          <Text>Send</Text>
        </Pressable>
      </View>
    </View>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, padding: 12 },
  banner: { backgroundColor: "#fde68a", padding: 4, textAlign: "center" },
  title: { fontSize: 18, fontWeight: "600", marginBottom: 8 },
  error: { color: "#b91c1c" },
  author: { fontWeight: "600" },
  composer: { flexDirection: "row", alignItems: "center" },
  input: { flex: 1, borderWidth: 1, borderColor: "#ccc", padding: 8, marginRight: 8 },
});
