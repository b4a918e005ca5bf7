import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { type Browser, launchChromium } from "../browser/chromium.js";
import { startServer, type TestServer, uniqueName } from "../helpers/server.js";
import { ChannelType, DEFAULT_CONSOLE_CREDENTIAL, type SdkUser, sdkUser } from "./console-fixtures.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const shots = path.join(repo, "test-results", "console");

/** Opens the console in a browser page and signs in as the operator. */
async function openConsole(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1440, height: 1000 });
  page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console error: ${msg.text()}`);
  });
  await page.goto(url);
  await page.locator("#login").waitFor({ state: "visible" });
  return page;
}

async function signInAsOperator(page: Page, credential: string): Promise<void> {
  await page.fill("#credential", credential);
  await page.click("#login-form button[type=submit]");
}

describe("the console in headless Chromium", () => {
  let srv: TestServer;
  let operatorBrowser: Browser;
  let playerBrowser: Browser;
  let operator: Page;
  let player: Page;
  let invisibleUser: SdkUser | undefined;
  const operatorErrors: string[] = [];
  const playerErrors: string[] = [];
  const playerName = uniqueName("grace");
  const room = uniqueName("lobby");

  before(async () => {
    // The page loads herald's browser bundle: build it from the current sources.
    const build = spawnSync(process.execPath, [path.join(repo, "scripts", "build.mjs"), "--iife-only"], {
      cwd: repo,
      encoding: "utf8",
    });
    assert.equal(build.status, 0, `building the browser bundles failed:\n${build.stderr}`);
    mkdirSync(shots, { recursive: true });
    srv = await startServer();
    operatorBrowser = await launchChromium();
    // A second browser with its own profile: nothing is shared with the operator's.
    playerBrowser = await launchChromium();
  });

  after(async () => {
    await invisibleUser?.socket.disconnect();
    await operatorBrowser?.close();
    await playerBrowser?.close();
    await srv?.close();
  });

  test("the page asks for the operator credential, refuses a wrong one and opens with the right one", async () => {
    operator = await openConsole(operatorBrowser, srv.url, operatorErrors);
    assert.match(
      (await operator.locator("#login-hint").textContent()) ?? "",
      new RegExp(DEFAULT_CONSOLE_CREDENTIAL),
    );
    await signInAsOperator(operator, "not-the-credential");
    await operator.locator("#login-error").waitFor({ state: "visible" });
    assert.match((await operator.locator("#login-error").textContent()) ?? "", /Operator credential invalid/);
    assert.equal(await operator.locator("#app").isVisible(), false);
    // Chromium logs the refused request itself; that one is expected, nothing else is.
    assert.deepEqual(operatorErrors.splice(0), [
      "console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)",
    ]);
    await operator.screenshot({ path: path.join(shots, "01-credential-refused.png") });

    await signInAsOperator(operator, DEFAULT_CONSOLE_CREDENTIAL);
    await operator.locator("#app").waitFor({ state: "visible" });
    await operator.locator('#feed-state[data-state="live"]').waitFor();
    await operator.screenshot({ path: path.join(shots, "02-empty-console.png"), fullPage: true });
  });

  test("a status set in a second browser appears in the console without a reload", async () => {
    // Survives only as long as the page is not reloaded.
    await operator.evaluate("window.__sameDocument = true");
    player = await openConsole(playerBrowser, srv.url, playerErrors);
    await signInAsOperator(player, DEFAULT_CONSOLE_CREDENTIAL);
    await player.locator("#app").waitFor({ state: "visible" });
    await player.fill("#try-username", playerName);
    await player.click("#try-sign-in");
    await player.locator("#try-who", { hasText: "Signed in as" }).waitFor();
    await player.fill("#try-status", "Exploring the console");
    await player.click("#try-set-status");

    const row = operator.locator(`#online tr[data-user="${playerName}"]`);
    await row.locator(".status", { hasText: "Exploring the console" }).waitFor();
    assert.equal(await operator.evaluate("window.__sameDocument"), true, "the console page was reloaded");
    await operator.screenshot({
      path: path.join(shots, "03-status-from-second-browser.png"),
      fullPage: true,
    });

    await player.click("#try-offline");
    await row.locator(".status.offline").waitFor();
    await player.fill("#try-status", "Back again");
    await player.click("#try-set-status");
    await row.locator(".status", { hasText: "Back again" }).waitFor();
  });

  test("chat from the second browser shows in the channels and the inspector, which filters by user", async () => {
    await player.fill("#try-room", room);
    await player.click("#try-join");
    await player.locator("#try-log li.ok", { hasText: `joined ${room}` }).waitFor();
    await player.fill("#try-message", "hello from the second browser");
    await player.click("#try-send");
    await player.locator("#try-log li", { hasText: "hello from the second browser" }).waitFor();

    const card = operator.locator(`#channels [data-channel="2...${room}"]`);
    await card.locator(".message", { hasText: "hello from the second browser" }).waitFor();
    assert.match((await card.locator(".counts").textContent()) ?? "", /^1 stored · 1 since start$/);
    assert.equal(await card.locator(".member", { hasText: playerName }).count(), 1);

    await operator.locator('#inspector .entry.in[data-kind="channelMessageSend"]').first().waitFor();
    await operator.fill("#filter-user", playerName);
    const shown = operator.locator("#inspector .entry");
    await shown.first().waitFor();
    const whos = await operator.locator("#inspector .entry .who").allTextContents();
    assert.ok(whos.length > 0);
    for (const who of whos) assert.ok(who.includes(playerName), who);
    await operator.fill("#filter-channel", room);
    const kinds = await operator
      .locator("#inspector .entry")
      .evaluateAll((els) => els.map((el) => el.getAttribute("data-kind")));
    assert.ok(kinds.includes("channelMessageSend") && kinds.includes("channelJoin"), kinds.join());
    await operator.screenshot({ path: path.join(shots, "04-chat-and-inspector.png"), fullPage: true });
    await operator.fill("#filter-user", "");
    await operator.fill("#filter-channel", "");
  });

  test("an invisible user and a hidden member are marked for the operator, while the second browser sees nothing", async () => {
    invisibleUser = await sdkUser(srv.url, "ghost", { appearOnline: true, invisible: true });
    await invisibleUser.socket.updateStatus("Nobody sees this");
    await invisibleUser.socket.joinChat(room, ChannelType.Room);

    const row = operator.locator(`#online tr[data-user="${invisibleUser.username}"]`);
    await row.locator(".badge.invisible").waitFor();
    await row.locator(".status.hidden-status", { hasText: "Nobody sees this" }).waitFor();
    const card = operator.locator(`#channels [data-channel="2...${room}"]`);
    await card.locator(".member.hidden", { hasText: invisibleUser.username }).waitFor();

    // The player follows the invisible user: no presence comes back.
    await player.fill("#try-follow-name", invisibleUser.username);
    await player.click("#try-follow");
    await player
      .locator("#try-log li.ok", { hasText: `following ${invisibleUser.username}: not online now` })
      .waitFor();
    await operator.screenshot({ path: path.join(shots, "05-invisible-and-hidden.png"), fullPage: true });
  });

  test("group and direct chats are listed with readable names", async () => {
    const ada = await sdkUser(srv.url, "ada");
    try {
      const group = await ada.client.createGroup(ada.session, { name: uniqueName("Guild"), open: true });
      const groupChannel = await ada.socket.joinChat(group.id ?? "", ChannelType.Group);
      await ada.socket.writeChatMessage(groupChannel.id, { text: "guild meeting at nine" });
      const direct = await ada.socket.joinChat(invisibleUser?.userId ?? "", ChannelType.DirectMessage);
      await ada.socket.writeChatMessage(direct.id, { text: "are you there?" });

      const groupCard = operator.locator(`#channels [data-channel="${groupChannel.id}"]`);
      await groupCard.locator(".label", { hasText: group.name ?? "" }).waitFor();
      await groupCard.locator(".message", { hasText: "guild meeting at nine" }).waitFor();
      const directCard = operator.locator(`#channels [data-channel="${direct.id}"]`);
      await directCard.locator(".badge.type-direct").waitFor();
      const label = (await directCard.locator(".label").textContent()) ?? "";
      assert.ok(label.includes(ada.username) && label.includes(invisibleUser?.username ?? "?"), label);
      await operator.screenshot({ path: path.join(shots, "06-groups-and-direct-chats.png"), fullPage: true });
    } finally {
      await ada.socket.disconnect();
    }
    await player.screenshot({ path: path.join(shots, "07-second-browser-try-it.png"), fullPage: true });
  });

  test("on a non-loopback address without a credential the page says the console is off and why", async () => {
    const open = await startServer({ host: "0.0.0.0" });
    try {
      const errors: string[] = [];
      const page = await openConsole(operatorBrowser, `http://127.0.0.1:${open.port}/`, errors);
      await page.locator("#login-error", { hasText: "not a loopback address" }).waitFor();
      assert.equal(await page.locator("#credential").isDisabled(), true);
      assert.equal(await page.locator("#login-submit").isDisabled(), true);
      await page.screenshot({ path: path.join(shots, "08-console-off.png") });
      await page.close();
      assert.deepEqual(errors, []);
    } finally {
      await open.close();
    }
  });

  test("the pages logged no errors", () => {
    assert.deepEqual(operatorErrors, []);
    assert.deepEqual(playerErrors, []);
  });
});
