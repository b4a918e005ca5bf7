import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { tokenSecretPath } from "../../src/server/index.js";
import { authenticate, openSocket, rest, startServer, uniqueName } from "../helpers/server.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "herald-server-"));
}

describe("storage", () => {
  test("users, messages and sessions survive a restart on the same database file", async () => {
    const dir = tempDir();
    const db = path.join(dir, "chat.db");
    try {
      let srv = await startServer({ db });
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada);
      const ch = await a.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
      const ack = await a.call(
        "channelMessageSend",
        { channelId: ch.id, content: '{"keep":true}' },
        "channelMessageAck",
      );
      await srv.close();
      assert.ok(existsSync(tokenSecretPath(db)), "the generated token secret is kept beside the database");

      srv = await startServer({ db });
      const history = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: ada.token });
      assert.equal(history.status, 200, "the old session token is still valid");
      assert.equal((history.body.messages as { message_id: string }[])[0]?.message_id, ack.messageId);
      await srv.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("command line", () => {
  test("the CLI prints its URL, takes flags and HERALD_* variables, and exits 0 on SIGTERM after closing sockets with 1001", async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/server/cli.ts",
        "--port",
        "0",
        "--db",
        path.join(dir, "cli.db"),
        "--log-level",
        "silent",
      ],
      { cwd: repo, env: { ...process.env, HERALD_SERVER_KEY: "cli-key" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const lines = createInterface({ input: child.stdout });
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the CLI printed no URL within 20 s")), 20_000);
        lines.on("line", (line) => {
          const m = /listening on (http:\/\/\S+)/.exec(line);
          if (m?.[1] !== undefined) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once("exit", () => reject(new Error("the CLI exited before listening")));
      });
      const wrongKey = await rest(url, "POST", "/v2/account/authenticate/device", {
        basic: "defaultkey",
        body: { id: "device-0123456789" },
      });
      assert.equal(wrongKey.status, 401);
      const ada = await authenticate(url, { serverKey: "cli-key" });
      const a = await openSocket(url, ada);
      child.kill("SIGTERM");
      assert.equal((await a.closed).code, 1001);
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
