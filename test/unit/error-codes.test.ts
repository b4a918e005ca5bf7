import assert from "node:assert/strict";
import { test } from "node:test";
import { HeraldError, type HeraldErrorCode } from "../../src/index.js";
import {
  codeForServer,
  isHeraldErrorCode,
  retryableCodes,
  wireCodes,
} from "../../src/protocol/error-codes.js";

// Every gRPC status code, as a REST body (stock Nakama's gateway, herald's server) carries it.
const grpcExpected: Record<number, HeraldErrorCode> = {
  0: "server_error",
  1: "server_error",
  2: "server_error",
  3: "bad_input",
  4: "timeout",
  5: "not_found",
  6: "already_exists",
  7: "permission_denied",
  8: "resource_exhausted",
  9: "bad_input",
  10: "aborted",
  11: "bad_input",
  12: "unsupported",
  13: "server_error",
  14: "unavailable",
  15: "server_error",
  16: "unauthenticated",
};

test("every gRPC code a server can send maps to its error code", () => {
  for (const [number, code] of Object.entries(grpcExpected)) {
    assert.equal(codeForServer(Number(number)), code, `gRPC ${number}`);
    assert.equal(codeForServer(Number(number), "rest"), code, `gRPC ${number}`);
  }
  assert.equal(codeForServer(17), "server_error", "a number past the table");
  assert.equal(codeForServer(-1), "server_error");
});

test("a realtime error envelope's own codes 0, 1 and 2 read as stock Nakama means them; the rest as gRPC", () => {
  assert.equal(codeForServer(0, "realtime"), "server_error", "RUNTIME_EXCEPTION");
  assert.equal(codeForServer(1, "realtime"), "bad_input", "UNRECOGNIZED_PAYLOAD");
  assert.equal(codeForServer(2, "realtime"), "bad_input", "MISSING_PAYLOAD");
  for (let n = 3; n <= 16; n++) assert.equal(codeForServer(n, "realtime"), grpcExpected[n], `realtime ${n}`);
});

test("each error code's wire numbers read back as a code with the same numbers", () => {
  for (const [code, wire] of Object.entries(wireCodes) as [
    HeraldErrorCode,
    { grpc: number; http: number },
  ][]) {
    const back = codeForServer(wire.grpc);
    assert.equal(wireCodes[back].grpc, wire.grpc, `${code} -> ${wire.grpc} -> ${back}`);
    assert.equal(wireCodes[back].http, wire.http, `${code} -> ${wire.grpc} -> ${back}`);
    assert.ok(isHeraldErrorCode(code));
  }
  assert.equal(isHeraldErrorCode("unavailable"), true);
  assert.equal(isHeraldErrorCode("busy"), false);
});

test("gRPC 14 and HTTP 503 arrive as unavailable, a code worth retrying", () => {
  const rest = HeraldError.fromServer(14, "busy", { status: 503 });
  assert.equal(rest.code, "unavailable");
  assert.equal(rest.serverCode, 14);
  assert.equal(rest.status, 503);
  const realtime = HeraldError.fromServer(14, "busy");
  assert.equal(realtime.code, "unavailable");
  assert.ok(retryableCodes.has("unavailable"));
  assert.ok(retryableCodes.has("rate_limited"));
  assert.ok(!retryableCodes.has("bad_input"));
  assert.ok(!retryableCodes.has("permission_denied"));
});

test("a precise code from the server wins over the number, but a server never reports the client's socket closed", () => {
  assert.equal(HeraldError.fromServer(3, "no", { precise: "permission_denied" }).code, "permission_denied");
  assert.equal(HeraldError.fromServer(3, "no", { precise: "nonsense" }).code, "bad_input");
  const busy = HeraldError.fromServer(14, "Message not stored: the database is busy", {
    precise: "disconnected",
  });
  assert.equal(busy.code, "unavailable");
  assert.equal(busy.serverCode, 14);
});

test("realtime 1 and 2 are malformed requests, but over REST they are the server's own failure", () => {
  assert.equal(HeraldError.fromServer(1, "x").code, "bad_input");
  assert.equal(HeraldError.fromServer(1, "x", { status: 499 }).code, "server_error");
  assert.equal(HeraldError.fromServer(2, "x", { status: 500 }).code, "server_error");
});
