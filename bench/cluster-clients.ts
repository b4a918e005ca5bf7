// The setup side of the cluster benchmarks' clients: a device account, a `ws` socket, and one
// request answered by its `cid`. Setup only: what is measured is in the callers.
import { randomBytes } from "node:crypto";
import WebSocket from "ws";

/** Creates a device account on the node at `url`; its session token and user id. */
export async function auth(url: string, name: string): Promise<{ token: string; userId: string }> {
  const res = await fetch(`${url}/v2/account/authenticate/device?create=true&username=${name}`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from("defaultkey:").toString("base64")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ id: `device-${name}-${randomBytes(4).toString("hex")}` }),
  });
  const body = (await res.json()) as { token: string };
  const claims = JSON.parse(Buffer.from(body.token.split(".")[1] ?? "", "base64url").toString()) as {
    uid: string;
  };
  return { token: body.token, userId: claims.uid };
}

/** Opens a realtime socket (JSON, no compression) for `token`, appearing online when `status`. */
export function openWs(url: string, token: string, status: boolean): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/ws?token=${token}&status=${status}`, {
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

let cid = 0;

/** Sends one request and resolves with the envelope that answers it. */
export function call(ws: WebSocket, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const id = `c${++cid}`;
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const text = data.toString();
      if (!text.includes(`"cid":"${id}"`)) return;
      ws.off("message", onMessage);
      resolve(JSON.parse(text) as Record<string, unknown>);
    };
    ws.on("message", onMessage);
    ws.send(JSON.stringify({ cid: id, ...body }));
  });
}
