import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { clientMethods } from "../../src/gen/client.js";
import { routes } from "../../src/gen/routes.js";
import { Client, HeraldError, Session } from "../../src/index.js";
import { makeTokens } from "../sdk/helpers.js";

// Wrong arguments, as JavaScript callers (or TypeScript ones holding `any`) pass them: each must
// reject with HeraldError `bad_input` before anything is sent, and an async method must never
// throw synchronously. `loose` drops the static types so the calls compile.

type Loose = Record<string, (...args: unknown[]) => unknown>;

function recordingClient() {
  const sent: string[] = [];
  const client = new Client({
    fetch: async (url) => {
      sent.push(url);
      return { status: 200, text: async () => "{}" };
    },
  });
  return { client, loose: client as unknown as Loose, sent };
}

const session = () => {
  const { token, refreshToken } = makeTokens(3600);
  return Session.restore(token, refreshToken);
};

/** Calls `run`, which must return a promise (not throw) that rejects with bad_input matching `pattern`. */
async function rejectsBadInput(label: string, run: () => unknown, pattern?: RegExp): Promise<void> {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    assert.fail(`${label} threw synchronously: ${String(error)}`);
  }
  assert.ok(result instanceof Promise, `${label} did not return a promise`);
  await assert.rejects(result, (error: unknown) => {
    assert.ok(HeraldError.is(error, "bad_input"), `${label} rejected with ${String(error)}`);
    if (pattern) assert.match(error.message, pattern, label);
    return true;
  });
}

describe("Client arguments", () => {
  test("the constructor throws bad_input (never a TypeError) for options of the wrong type", () => {
    const cases: unknown[] = [
      null,
      "localhost",
      7350,
      { port: "7350" },
      { port: 0 },
      { port: 70000 },
      { port: 80.5 },
      { timeoutMs: Number.NaN },
      { host: "" },
      { host: 5 },
      { ssl: "yes" },
      { fetch: "fetch" },
      { timeoutMs: -1 },
      { autoRefreshSession: 1 },
      { onSessionRefresh: {} },
      // Half a surrogate pair: no UTF-8 spells it.
      { serverKey: "key\ud800" },
    ];
    for (const options of cases) {
      assert.throws(
        () => new Client(options as never),
        (error: unknown) => HeraldError.is(error, "bad_input") && /new Client/.test(error.message),
        JSON.stringify(options),
      );
    }
    assert.equal(new Client(undefined).baseUrl, "http://127.0.0.1:7350");
    assert.equal(
      new Client({ timeoutMs: Number.POSITIVE_INFINITY, port: 443 }).baseUrl,
      "http://127.0.0.1:443",
    );
  });

  test("authentication without an id, email or password, or with fields of the wrong type, rejects with bad_input", async () => {
    const { client, loose, sent } = recordingClient();
    await rejectsBadInput("authenticateDevice()", () => loose.authenticateDevice?.call(client), /id/);
    await rejectsBadInput("authenticateDevice(null)", () => loose.authenticateDevice?.call(client, null));
    await rejectsBadInput("id: 5", () => loose.authenticateDevice?.call(client, { id: 5 }), /id/);
    await rejectsBadInput("authenticateCustom({})", () => loose.authenticateCustom?.call(client, {}), /id/);
    await rejectsBadInput(
      "no password",
      () => loose.authenticateEmail?.call(client, { email: "ada@example.com" }),
      /password/,
    );
    await rejectsBadInput(
      "vars not an object",
      () => loose.authenticateDevice?.call(client, { id: "device-0001", vars: "x" }),
      /vars/,
    );
    await rejectsBadInput(
      "create not a boolean",
      () => loose.authenticateDevice?.call(client, { id: "device-0001", create: "yes" }),
      /create/,
    );
    await rejectsBadInput(
      "signal not a signal",
      () => loose.authenticateDevice?.call(client, { id: "device-0001", signal: "stop" }),
      /signal/,
    );
    assert.deepEqual(sent, []);
  });

  test("a missing or wrong session rejects with bad_input, for generated and hand-written methods", async () => {
    const { client, loose, sent } = recordingClient();
    for (const bad of [undefined, null, "token", {}, { token: 5 }]) {
      await rejectsBadInput(
        `getAccount(${String(bad)})`,
        () => loose.getAccount?.call(client, bad),
        /Session/,
      );
      await rejectsBadInput(`getUsers(${String(bad)})`, () =>
        loose.getUsers?.call(client, bad, { ids: ["u"] }),
      );
      await rejectsBadInput(`sessionRefresh(${String(bad)})`, () => loose.sessionRefresh?.call(client, bad));
      await rejectsBadInput(`sessionLogout(${String(bad)})`, () => loose.sessionLogout?.call(client, bad));
      await rejectsBadInput(`ensureFresh(${String(bad)})`, () => loose.ensureFresh?.call(client, bad));
    }
    assert.deepEqual(sent, []);
  });

  test("missing positional arguments and option objects of the wrong type reject with bad_input", async () => {
    const { client, loose, sent } = recordingClient();
    const s = session();
    const cases: [string, () => unknown, RegExp?][] = [
      ["getUsers(session)", () => loose.getUsers?.call(client, s), /required/],
      ["getUsers ids not a list", () => loose.getUsers?.call(client, s, { ids: "u-1" }), /ids/],
      ["getUsers ids of numbers", () => loose.getUsers?.call(client, s, { ids: [1] }), /ids/],
      ["listGroupUsers(session)", () => loose.listGroupUsers?.call(client, s), /groupId/],
      ["listGroupUsers(session, 5)", () => loose.listGroupUsers?.call(client, s, 5), /groupId/],
      [
        "listGroupUsers limit text",
        () => loose.listGroupUsers?.call(client, s, "g", { limit: "10" }),
        /limit/,
      ],
      ["listFriends state 1.5", () => loose.listFriends?.call(client, s, { state: 1.5 }), /state/],
      ["listFriends options a string", () => loose.listFriends?.call(client, s, "all"), /object/],
      ["addGroupUsers ids not a list", () => loose.addGroupUsers?.call(client, s, "g", "u-1"), /userIds/],
      ["deleteNotifications(session)", () => loose.deleteNotifications?.call(client, s), /ids/],
      ["addFriends(session)", () => loose.addFriends?.call(client, s), /required/],
      ["createGroup(session)", () => loose.createGroup?.call(client, s), /required/],
      ["createGroup without name", () => loose.createGroup?.call(client, s, { open: true }), /name/],
      ["updateAccount(session, null)", () => loose.updateAccount?.call(client, s, null), /required|object/],
      ["updateGroup open text", () => loose.updateGroup?.call(client, s, "g", { open: "yes" }), /open/],
      [
        "timeoutMs negative",
        () => loose.listChannelMessages?.call(client, s, "c", { timeoutMs: -1 }),
        /timeoutMs/,
      ],
      ["call options a number", () => loose.getAccount?.call(client, s, 5), /options/],
      ["capabilities('x')", () => loose.capabilities?.call(client, "x"), /options/],
    ];
    for (const [label, run, pattern] of cases) await rejectsBadInput(label, run, pattern);
    await assert.rejects(
      (client.channelMessages as (...args: unknown[]) => AsyncGenerator)(s, "c", 5).next(),
      (error: unknown) => HeraldError.is(error, "bad_input"),
    );
    assert.deepEqual(sent, []);
  });
});

describe("Client methods generated from service.proto", () => {
  test("every route has a method: generated from the table, or written by hand where it adds behaviour", () => {
    const handWritten = ["getCapabilities", "authenticateDevice", "authenticateCustom", "authenticateEmail"];
    handWritten.push("sessionRefresh", "sessionLogout");
    for (const name of Object.keys(routes)) {
      const generated = name in clientMethods;
      assert.equal(generated, !handWritten.includes(name), `${name} generated: ${generated}`);
    }
  });

  test("each generated method sends its route's HTTP method and path, with the session's token", async () => {
    const sent: { url: string; method: string; auth: string | undefined }[] = [];
    const client = new Client({
      fetch: async (url, init) => {
        sent.push({ url, method: init.method ?? "GET", auth: init.headers?.Authorization });
        return { status: 200, text: async () => "{}" };
      },
    });
    const s = session();
    const loose = client as unknown as Loose;
    for (const [name, spec] of Object.entries(clientMethods)) {
      const route = routes[name as keyof typeof routes];
      const bearer = route.auth === "bearer";
      const args: unknown[] = bearer ? [s] : [];
      // Positional arguments (the path's fields unless the table names others): "x" for strings,
      // ["x"] for lists; then the fields, required ones given.
      const positional =
        spec.args ?? route.pathParams.map((p) => p.replace(/_(\w)/g, (_, c) => c.toUpperCase()));
      for (const arg of positional) args.push(arg.endsWith("s") ? ["x"] : "x");
      if ((spec.fields ?? "none") !== "none") {
        args.push(Object.fromEntries((spec.required ?? []).map((f) => [f, "x"])));
      }
      const result = await loose[name]?.(...args);
      const last = sent.pop();
      assert.equal(last?.method, route.method, name);
      const path = route.path.replace(/\{\w+\}/g, "x");
      assert.equal(new URL(last?.url ?? "").pathname, path, name);
      assert.equal(last?.auth, bearer ? `Bearer ${s.token}` : undefined, name);
      if (route.response === "Empty") assert.equal(result, undefined, name);
      else assert.equal(typeof result, "object", name);
    }
  });
});
