import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import type { Socket } from "node:net";
import path from "node:path";
import { createInterface, type Interface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { authenticate, captureLog, openSocket, startServer, uniqueName } from "../helpers/server.js";

const here = path.dirname(fileURLToPath(import.meta.url));

interface ReaderState {
  count: number;
  closeCode?: number;
}

/**
 * The readers' and the sender's process (fixtures/burst-readers.ts), a way to have the sender send,
 * and a way to ask what each got (the readers first, the sender last).
 */
function startReaders(url: string, room: string, senderToken: string, tokens: string[]) {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", path.join(here, "fixtures/burst-readers.ts"), url, room, senderToken, ...tokens],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  lines.on("line", (line) => {
    queue.push(line);
    wake?.();
  });
  const nextLine = async () => {
    while (queue.length === 0) {
      if (child.exitCode !== null) throw new Error(`readers exited (${child.exitCode})`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
    return queue.shift() as string;
  };
  return {
    ready: async () => assert.equal(await nextLine(), "ready"),
    /** Asks for `messages` sends; {@link sent} reads the answer. */
    send: (messages: number, pad: number) => child.stdin?.write(`send ${messages} ${pad}\n`),
    sent: async () => JSON.parse(await nextLine()) as { sent: number },
    report: async (): Promise<ReaderState[]> => {
      child.stdin?.write("report\n");
      return JSON.parse(await nextLine()) as ReaderState[];
    },
    stop: () => {
      child.stdin?.end();
      child.kill();
    },
  };
}

test("a burst written at once after the server's own stall does not close readers that take it; a reader that stopped is still closed", async () => {
  const log = captureLog();
  const budget = 64 * 1024;
  // A per-socket limit far above the burst: only the server-wide budget can close a reader.
  const srv = await startServer({
    maxBufferedBytes: 1 << 30,
    maxTotalBufferedBytes: budget,
    logger: log.logger,
  });
  const room = uniqueName("room");
  const users = await Promise.all([1, 2, 3, 4].map(() => authenticate(srv.url)));
  const sender = await authenticate(srv.url);
  const readers = startReaders(
    srv.url,
    room,
    sender.token,
    users.map((u) => u.token),
  );
  try {
    await readers.ready();
    const stopped = await openSocket(srv.url, await authenticate(srv.url));
    await stopped.call("channelJoin", { target: room, type: 1, persistence: false }, "channel");
    const stoppedSocket = (stopped.ws as unknown as { _socket: Socket })._socket;
    stoppedSocket.pause();

    // About 10 MB for each of 6 members: more than the kernel holds per socket, far over the
    // budget. Not stored (persistence off): the burst is the fan-out, whatever the database. Sent
    // without a cid (no reply awaited): on a loaded machine 3000 replies can take longer than a
    // call may wait, and what counts here is what the readers get.
    const messages = 3000;
    readers.send(messages, 3500);
    // The server's process gets no turn for a while (here: this test holds it), as a loaded
    // machine's node would not: the requests wait, then their broadcasts leave in a burst.
    const until = performance.now() + 300;
    while (performance.now() < until) {}
    assert.deepEqual(await readers.sent(), { sent: messages });

    // The readers and the sender take the burst at their pace; none of them is closed for it.
    // Besides the messages, each reader got the joins after its own: the other readers', the
    // sender's and the stopped reader's; and, once the stopped reader is closed (its socket is
    // ended a few seconds after its close frame if it does not answer, which on a loaded machine
    // can come before the readers are through), its leave.
    // The sender, last, got an ack for each of its messages, the messages, and the stopped
    // reader's join (then its leave).
    const expected = (leave: number) => [
      ...users.map((_, i) => ({ count: messages + users.length - 1 - i + 2 + leave })),
      { count: 2 * messages + 1 + leave },
    ];
    const reach = async (want: { count: number }[]) => {
      let states = await readers.report();
      const deadline = performance.now() + 60_000;
      const short = (list: ReaderState[]) =>
        list.some((s, i) => s.count < (want[i]?.count ?? 0) && s.closeCode === undefined);
      while (short(states) && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        states = await readers.report();
      }
      return states;
    };
    const taken = await reach(expected(0));
    assert.ok(
      taken.every((s, i) => s.closeCode === undefined && s.count >= (expected(0)[i]?.count ?? 0)),
      `every reading reader got every message and stayed open: ${JSON.stringify(taken)}`,
    );

    // The reader that stopped reading holds its share past the budget: it is closed as slow.
    const closedEvent = await log.waitFor("slow_reader_closed");
    assert.equal(closedEvent.serverBudget, budget);
    stoppedSocket.resume();
    assert.equal((await stopped.closed).code, 1013);
    assert.equal(
      log.events.filter((e) => e.event === "slow_reader_closed").length,
      1,
      "only the stopped reader",
    );
    // Then each reader holds exactly the messages, the joins and that one leave: nothing twice.
    assert.deepEqual(await reach(expected(1)), expected(1));
  } finally {
    readers.stop();
    await srv.close();
  }
});
