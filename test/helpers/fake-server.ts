// herald's own tests use the test kit's fake server, so that both are one code. It accepts both
// wire formats here, since these tests run once per codec.
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import type { FakeConnection } from "../../src/testing/fake-connection.js";
import { type FakeServer, startFakeServer as startKitFakeServer } from "../../src/testing/fake-server.js";

export type { FakeConnection, FakeServer };

/** Starts the kit's fake server on a free port, accepting JSON and protobuf sockets. */
export function startFakeServer(): Promise<FakeServer> {
  return startKitFakeServer({ codecs: [jsonCodec, protobufCodec] });
}
