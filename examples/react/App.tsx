// The page's components: connection state, your status, friends' statuses, and a room's chat.
import { type FormEvent, useState } from "react";
import { ChannelType } from "../../src/index.js";
import { useChannel, useConnection, usePresence, useSession, useSocket } from "../../src/react/index.js";

/** The whole page: what `main.tsx` renders inside the provider. */
export function App({ room, friendIds }: { room: string; friendIds: readonly string[] }) {
  const session = useSession();
  return (
    <main>
      <h1>Signed in as {session.username}</h1>
      <ConnectionBadge />
      <MyStatus />
      <Friends ids={friendIds} />
      <Room name={room} />
    </main>
  );
}

function ConnectionBadge() {
  const { state, error, reconnect } = useConnection();
  return (
    <p>
      Connection: <output data-testid="state">{state}</output>
      {error && (
        <>
          {" "}
          ({error.code}: {error.message}){" "}
          <button type="button" onClick={reconnect}>
            Try again
          </button>
        </>
      )}
    </p>
  );
}

function MyStatus() {
  const socket = useSocket();
  const [text, setText] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    // An empty status appears offline.
    socket.updateStatus(text).catch((error: unknown) => console.warn("status not set:", error));
  };
  return (
    <form onSubmit={submit} aria-label="status">
      <input value={text} onChange={(e) => setText(e.target.value)} placeholder="Your status" />
      <button type="submit">Set status</button>
    </form>
  );
}

function Friends({ ids }: { ids: readonly string[] }) {
  const { users, loading, error } = usePresence(ids);
  if (ids.length === 0) return null;
  return (
    <section>
      <h2>Friends</h2>
      {loading && <p>Loading…</p>}
      {error && <p role="alert">{error.message}</p>}
      <ul data-testid="friends">
        {users.map((u) => (
          <li key={u.userId}>
            {u.username}: {u.online ? u.status || "online" : "offline"}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Room({ name }: { name: string }) {
  const chat = useChannel<{ text: string }>(name, ChannelType.Room);
  const [draft, setDraft] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    chat.send({ text: draft }).then(
      () => setDraft(""),
      (error: unknown) => console.warn("not sent:", error),
    );
  };
  return (
    <section>
      <h2>
        #{name} ({chat.presences.length} here)
      </h2>
      {chat.status === "failed" && <p role="alert">{chat.error?.message}</p>}
      {chat.hasOlder && (
        <button type="button" disabled={chat.loadingOlder} onClick={() => void chat.loadOlder()}>
          Load older messages
        </button>
      )}
      <ul data-testid="messages">
        {chat.messages.map((m) => (
          <li key={m.messageId}>
            {m.username}: {m.content.text}
          </li>
        ))}
      </ul>
      <form onSubmit={submit} aria-label="chat">
        <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Say something" />
        <button type="submit">Send</button>
      </form>
    </section>
  );
}
