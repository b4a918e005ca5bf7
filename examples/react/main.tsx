// A small React page on herald: sign in, then status, friends' presence and a room's chat.
//
//   npm start                                   # the bundled server, on port 7350
//   npx esbuild examples/react/main.tsx --bundle --jsx=automatic --outfile=examples/react/app.js
//   open examples/react/index.html               # ?room=lobby&follow=USER_ID&name=ada
//
// In an app, import from "herald" and "herald/react" instead.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Client } from "../../src/index.js";
import { HeraldProvider } from "../../src/react/index.js";
import { App } from "./App.js";

const params = new URLSearchParams(location.search);
const client = new Client({
  host: params.get("host") ?? (location.hostname || "127.0.0.1"),
  port: Number(params.get("port") ?? 7350),
});
// One device id per browser profile: the same user comes back on every visit.
const deviceKey = "herald-example-device";
const deviceId = localStorage.getItem(deviceKey) ?? `device-${crypto.randomUUID()}`;
localStorage.setItem(deviceKey, deviceId);

const session = await client.authenticateDevice({ id: deviceId, username: params.get("name") ?? undefined });
const root = document.getElementById("root") ?? document.body.appendChild(document.createElement("div"));
createRoot(root).render(
  <StrictMode>
    <HeraldProvider client={client} session={session} connectOptions={{ appearOnline: true }}>
      <App room={params.get("room") ?? "lobby"} friendIds={params.getAll("follow")} />
    </HeraldProvider>
  </StrictMode>,
);
