// The app's root: sign in once, then the provider keeps one reconnecting socket for every screen.
//
// In an app, import from "herald" and "herald/react" instead; React Native
// provides fetch and WebSocket, which herald uses as they are.
import { useEffect, useState } from "react";
import { ActivityIndicator, AppRegistry, Text } from "react-native";
import { Client, type HeraldError, type Session } from "../../src/index.js";
import { HeraldProvider } from "../../src/react/index.js";
import { ChatScreen } from "./ChatScreen.js";

// 10.0.2.2 is the host machine as seen from the Android emulator; use your server's address.
const client = new Client({ host: "10.0.2.2", port: 7350 });

export function App({ deviceId }: { deviceId: string }) {
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState<HeraldError>();
  useEffect(() => {
    client.authenticateDevice({ id: deviceId }).then(setSession, setError);
  }, [deviceId]);

  if (error) return <Text>Sign-in failed: {error.message}</Text>;
  if (!session) return <ActivityIndicator />;
  return (
    <HeraldProvider client={client} session={session} connectOptions={{ appearOnline: true }}>
      <ChatScreen room="lobby" friendIds={[]} />
    </HeraldProvider>
  );
}

// A real app reads a stable id from the device (e.g. expo-application or a stored UUID).
AppRegistry.registerComponent("HeraldChat", () => () => <App deviceId="device-example-0001" />);
