import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { type RouteName, routes } from "../../src/gen/routes.js";
import type { MessageName } from "../../src/gen/schema.js";
import {
  buildRestRequest,
  decodeRestResponse,
  encodeRestResponse,
  parseRestRequest,
} from "../../src/protocol/rest.js";
import { type FieldInfo, K, messageInfo } from "../../src/protocol/schema.js";

const names = Object.keys(routes) as RouteName[];

/** A value for every field of a message, so a round trip covers them all. */
function sample(type: MessageName, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of messageInfo(type).fields) {
    const one = sampleValue(field, depth);
    if (one !== undefined) out[field.camel] = field.repeated ? [one, one] : one;
  }
  return out;
}

function sampleValue(field: FieldInfo, depth: number): unknown {
  switch (field.k) {
    case K.s:
    case K.ws:
      return field.jsonObject ? '{"k":"v"}' : `${field.name} value/with ?&= chars`;
    case K.b:
    case K.wb:
      return true;
    case K.i:
    case K.wi:
    case K.u:
    case K.e:
      return 7;
    case K.t:
      return new Date("2026-01-02T03:04:05.678Z");
    case K.M:
      return { a: "1", b: "two" };
    case K.m:
      return depth < 3 ? sample(field.type as MessageName, depth + 1) : undefined;
    default:
      return undefined;
  }
}

describe("the generated route table", () => {
  test("every route names a path parameter only if the request has that field", () => {
    assert.ok(names.length >= 30, `only ${names.length} routes`);
    for (const name of names) {
      const route = routes[name];
      const info = messageInfo(route.request);
      for (const p of route.pathParams) {
        assert.ok(route.path.includes(`{${p}}`), `${name}: {${p}} in ${route.path}`);
        assert.ok(info.lookup[p] !== undefined, `${name}: path field ${p} missing from ${route.request}`);
      }
      for (const q of route.query) assert.ok(info.lookup[q] !== undefined, `${name}: query field ${q}`);
      assert.ok(messageInfo(route.response), `${name}: response ${route.response}`);
    }
  });

  test("Nakama's paths, methods and credentials are where clients expect them", () => {
    assert.deepEqual(
      { ...routes.listChannelMessages },
      {
        method: "GET",
        path: "/v2/channel/{channel_id}",
        pathParams: ["channel_id"],
        query: ["limit", "forward", "cursor"],
        body: "",
        auth: "bearer",
        request: "ListChannelMessagesRequest",
        response: "ChannelMessageList",
      },
    );
    assert.equal(routes.authenticateDevice.auth, "basic");
    assert.equal(routes.authenticateDevice.body, "account");
    assert.deepEqual(routes.authenticateDevice.query, ["create", "username"]);
    assert.equal(routes.sessionRefresh.path, "/v2/account/session/refresh");
    assert.equal(routes.sessionRefresh.auth, "basic");
    assert.equal(routes.kickGroupUsers.path, "/v2/group/{group_id}/kick");
    assert.deepEqual(routes.kickGroupUsers.query, ["user_ids"]);
    assert.equal(routes.listUserGroups.path, "/v2/user/{user_id}/group");
    assert.equal(routes.getCapabilities.auth, "none");
  });
});

describe("REST requests built by the client read back the same on the server", () => {
  for (const name of names) {
    test(`${name}`, () => {
      const route = routes[name];
      const request = sample(route.request);
      const parts = buildRestRequest(name, request as never);
      assert.equal(parts.method, route.method);
      const url = new URL(parts.path, "http://herald.test");
      // What a router would extract from the path template.
      const pattern = new RegExp(`^${route.path.replace(/\{(\w+)\}/g, "([^/]+)")}$`);
      const match = pattern.exec(url.pathname);
      assert.ok(match, `${url.pathname} does not match ${route.path}`);
      const pathValues: Record<string, string> = {};
      route.pathParams.forEach((p, i) => {
        pathValues[p] = decodeURIComponent(match[i + 1] as string);
      });
      if (route.method === "GET") assert.equal(parts.body, undefined);
      const parsed = parseRestRequest(name, pathValues, url.searchParams, parts.body);
      // Everything the client set arrives; map fields in the query are not part of any route.
      assert.deepEqual(parsed, expectedOnServer(route.request, request));
    });
  }
});

/** The decoded form of `request`: every field present (zero values filled in). */
function expectedOnServer(type: MessageName, request: Record<string, unknown>) {
  const info = messageInfo(type);
  const out: Record<string, unknown> = { ...info.template };
  for (const field of info.containers) out[field.camel] = field.repeated ? [] : {};
  for (const field of info.fields) {
    const v = request[field.camel];
    if (v === undefined) continue;
    out[field.camel] =
      field.k === K.m && !field.repeated ? expectedOnServer(field.type as MessageName, v as never) : v;
  }
  return out;
}

describe("REST mapping details", () => {
  test("a missing path parameter is refused before any request is made", () => {
    assert.throws(
      () => buildRestRequest("listChannelMessages", { limit: 10 }),
      (e) => HeraldError.is(e, "bad_input") && /channelId/.test(e.message),
    );
  });

  test("path parameters are escaped and query values keep wrapper zeros", () => {
    const parts = buildRestRequest("listChannelMessages", {
      channelId: "4.a.b.",
      limit: 0,
      forward: false,
      cursor: "",
    });
    assert.equal(parts.path, "/v2/channel/4.a.b.?limit=0&forward=false");
    const group = buildRestRequest("kickGroupUsers", { groupId: "g/1", userIds: ["a", "b"] });
    assert.equal(group.path, "/v2/group/g%2F1/kick?user_ids=a&user_ids=b");
    assert.equal(group.body, "{}");
  });

  test("malformed query values and bodies are refused with bad_input", () => {
    const bad: [RouteName, string, string | undefined][] = [
      ["listChannelMessages", "limit=ten", undefined],
      ["listChannelMessages", "forward=maybe", undefined],
      ["createGroup", "", "{not json"],
      ["createGroup", "", '{"name":7}'],
      ["createGroup", "", '{"name":"a","unknown_field":1}'],
      ["authenticateDevice", "create=yes", '{"id":"device-0001"}'],
    ];
    for (const [name, query, body] of bad) {
      assert.throws(
        () => parseRestRequest(name, { channel_id: "2...a" }, new URLSearchParams(query), body),
        (e) => HeraldError.is(e, "bad_input"),
        `${name} ?${query} ${body}`,
      );
    }
  });

  test("query parameters a route does not take are ignored, and camelCase names are read too", () => {
    const parsed = parseRestRequest(
      "listNotifications",
      {},
      new URLSearchParams("limit=5&cacheableCursor=abc&_=123"),
      undefined,
    );
    assert.deepEqual(parsed, { limit: 5, cacheableCursor: "abc" });
  });

  test("responses encode in the wire convention and decode skipping unknown fields", () => {
    const text = encodeRestResponse("getUsers", {
      users: [{ id: "u1", username: "ada", online: true, createTime: new Date("2026-01-01T00:00:00Z") }],
    });
    assert.equal(
      text,
      '{"users":[{"id":"u1","username":"ada","online":true,"create_time":"2026-01-01T00:00:00.000Z"}]}',
    );
    const decoded = decodeRestResponse("getUsers", { users: [{ id: "u1", online: true, future_field: 1 }] });
    assert.equal(decoded.users[0]?.online, true);
    assert.equal(decoded.users[0]?.username, "");
  });
});
