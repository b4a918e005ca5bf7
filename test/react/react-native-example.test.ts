import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { createElement as h, StrictMode } from "react";
import { ChannelType } from "../../src/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { mount, until } from "./dom.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The example screen and the provider, with "react-native" resolved to DOM stand-ins. */
async function loadExample(t: { after(fn: () => void): void }) {
  // Inside the repository, so that the bundle's `import "react"` finds the same React as the test.
  const cache = path.join(here, "..", "..", "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(path.join(cache, "herald-rn-example-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const outfile = path.join(out, "example.mjs");
  await esbuild.build({
    entryPoints: [path.join(here, "fixtures", "react-native-entry.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    jsx: "automatic",
    // react stays external so the bundle and react-dom share one React.
    external: ["react", "react/*", "cross-fetch", "isomorphic-ws"],
    plugins: [
      {
        name: "react-native-dom",
        setup(build) {
          build.onResolve({ filter: /^react-native$/ }, () => ({
            path: path.join(here, "fixtures", "react-native-dom.tsx"),
          }));
        },
      },
    ],
    logLevel: "warning",
  });
  return (await import(pathToFileURL(outfile).href)) as typeof import("./fixtures/react-native-entry.js");
}

test("the React Native example screen shows the room, members and a friend's status, and sends from its composer", async (t) => {
  const { ChatScreen, HeraldProvider } = await loadExample(t);
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const room = uniqueName("room");
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob, { appearOnline: true });
  t.after(() => bobSocket.disconnect());
  await bobSocket.updateStatus("around");
  const { id: channelId } = await bobSocket.joinChat(room, ChannelType.Room);
  await bobSocket.writeChatMessage(channelId, { text: "first" });
  await bobSocket.writeChatMessage(channelId, { text: "second" });

  const view = mount(
    h(
      StrictMode,
      null,
      h(HeraldProvider, { client, session: ada }, h(ChatScreen, { room, friendIds: [bob.userId] })),
    ),
  );
  t.after(() => view.unmount());
  const text = () => view.container.textContent ?? "";
  await until("the room with two members", () => text().includes(`#${room} · 2 here`));
  await until("bob's status", () => text().includes(`${bob.userId.slice(0, 8)}: around`));
  await until("the history", () => text().includes(`${bob.username} second`));
  const rows = () =>
    Array.from(view.container.querySelectorAll("[data-testid=list] li")).map((li) => li.textContent);
  assert.deepEqual(rows(), [`${bob.username} first`, `${bob.username} second`], "oldest at the top");

  // Typing in the composer and pressing Send reaches bob.
  const heard = new Promise<string>((resolve) =>
    bobSocket.onChannelMessage<{ text: string }>((m) => {
      if (m.senderId === ada.userId) resolve(m.content.text);
    }),
  );
  const input = view.container.querySelector("input") as HTMLInputElement;
  const setValue = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), "value")?.set;
  setValue?.call(input, "hello from the phone");
  input.dispatchEvent(new window.Event("input", { bubbles: true }));
  const send = await until("the Send button enabled", () => {
    const button = view.container.querySelector("button") as HTMLButtonElement | null;
    return button && !button.disabled ? button : undefined;
  });
  send.click();
  assert.equal(await heard, "hello from the phone");
  await until("the sent message shown", () => rows().at(-1) === `${ada.username} hello from the phone`);
});
