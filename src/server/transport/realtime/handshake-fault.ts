import type { IncomingMessage } from "node:http";

/** Why a WebSocket upgrade request cannot be switched, as an HTTP answer with the usual JSON body. */
export interface HandshakeFault {
  status: number;
  reason: string;
  body: { code: number; message: string };
  headers?: Record<string, string>;
}

/** A `Sec-WebSocket-Key`: 16 bytes in base64 (RFC 6455, section 4.1). */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** A `Sec-WebSocket-Protocol` value: tokens (RFC 7230 tchar) separated by commas, spaces around. */
const PROTOCOL_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const badRequest = (message: string, headers?: Record<string, string>): HandshakeFault => ({
  status: 400,
  reason: "Bad Request",
  body: { code: 3, message },
  ...(headers === undefined ? {} : { headers }),
});

/** Whether a `Sec-WebSocket-Protocol` value lists distinct, well-formed names. */
function protocolsReadable(value: string): boolean {
  const names = value.split(",").map((name) => name.replace(/^[ \t]+|[ \t]+$/g, ""));
  return names.every((name) => PROTOCOL_TOKEN.test(name)) && new Set(names).size === names.length;
}

/**
 * What is wrong with the handshake of a request offering `Upgrade: websocket`, checked as `ws`
 * checks it, or undefined when it can be switched. Checked before the token and storage are read,
 * and answered with JSON as the server's other HTTP errors are (`ws` answers them in plain text),
 * so a malformed upgrade costs no storage read and changes nothing (`invisible=` at connect).
 */
export function handshakeFault(req: IncomingMessage): HandshakeFault | undefined {
  if (req.method !== "GET") {
    return {
      status: 405,
      reason: "Method Not Allowed",
      body: { code: 12, message: "Method not allowed: a WebSocket upgrade is a GET" },
    };
  }
  const key = req.headers["sec-websocket-key"];
  if (key === undefined || !KEY.test(key)) return badRequest("Missing or invalid Sec-WebSocket-Key header");
  // Read as `ws` reads it: as a number.
  const version = Number(req.headers["sec-websocket-version"]);
  if (version !== 13 && version !== 8) {
    return badRequest("Missing or invalid Sec-WebSocket-Version header: 13 is supported", {
      "Sec-WebSocket-Version": "13, 8",
    });
  }
  const protocols = req.headers["sec-websocket-protocol"];
  if (protocols !== undefined && !protocolsReadable(protocols))
    return badRequest("Invalid Sec-WebSocket-Protocol header");
  return undefined;
}
