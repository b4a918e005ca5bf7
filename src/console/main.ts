import type { ConsoleSnapshot } from "../server/console/console-snapshot.js";
import { ConsoleApiError, credentialStore, fetchInfo, fetchSnapshot, openFeed } from "./api.js";
import { renderChannels } from "./channels-view.js";
import { byId, h } from "./dom.js";
import { InspectorView } from "./inspector-view.js";
import { renderOnline } from "./online-view.js";
import { TryItPanel } from "./try-it.js";

// The console page: sign-in, then a live feed rendered into four panels.

const login = byId("login");
const app = byId("app");
const feedState = byId("feed-state");
const signOut = byId<HTMLButtonElement>("sign-out");
const loginError = byId("login-error");
const loginHint = byId("login-hint");
const credentialInput = byId<HTMLInputElement>("credential");

let stopFeed: (() => void) | undefined;
let inspector: InspectorView | undefined;
let tryIt: TryItPanel | undefined;
let startedAt = "";

function showLogin(error?: string): void {
  stopFeed?.();
  stopFeed = undefined;
  app.hidden = true;
  signOut.hidden = true;
  login.hidden = false;
  loginError.hidden = error === undefined;
  loginError.textContent = error ?? "";
  setFeedState("idle", "not connected");
  credentialInput.focus();
}

function setFeedState(state: string, text: string): void {
  feedState.dataset.state = state;
  feedState.textContent = text;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

function render(snapshot: ConsoleSnapshot): void {
  if (startedAt !== "" && snapshot.server.startedAt !== startedAt) inspector?.reset();
  startedAt = snapshot.server.startedAt;
  byId("totals").textContent =
    `${plural(snapshot.totals.users, "user")} online · ${plural(snapshot.totals.sessions, "session")} · ${plural(snapshot.totals.channels, "live channel")} · v${snapshot.server.version}`;
  renderOnline(byId("online"), snapshot);
  renderChannels(byId("channels"), snapshot);
  tryIt?.setServerKey(snapshot.server.serverKey);
}

function start(credential: string, first: ConsoleSnapshot): void {
  login.hidden = true;
  app.hidden = false;
  signOut.hidden = false;
  inspector ??= new InspectorView();
  tryIt ??= new TryItPanel(byId("try"));
  render(first);
  stopFeed = openFeed(credential, {
    snapshot: render,
    envelopes: (entries) => inspector?.add(entries),
    state: (state, detail) =>
      setFeedState(
        state,
        state === "live" ? "live" : state === "connecting" ? "connecting…" : `reconnecting (${detail ?? ""})`,
      ),
    unauthorized: (message) => {
      credentialStore.clear();
      showLogin(message);
    },
  });
}

async function signIn(credential: string): Promise<void> {
  try {
    const snapshot = await fetchSnapshot(credential);
    credentialStore.set(credential);
    start(credential, snapshot);
  } catch (err) {
    if (err instanceof ConsoleApiError && (err.status === 401 || err.status === 403 || err.status === 429)) {
      credentialStore.clear();
      showLogin(err.message);
    } else showLogin(err instanceof Error ? err.message : String(err));
  }
}

byId<HTMLFormElement>("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void signIn(credentialInput.value);
});
signOut.addEventListener("click", () => {
  credentialStore.clear();
  showLogin();
});

void (async () => {
  try {
    const info = await fetchInfo();
    if (!info.enabled) {
      showLogin(info.reason ?? "The console is off.");
      credentialInput.disabled = true;
      byId<HTMLButtonElement>("login-submit").disabled = true;
      return;
    }
    if (info.defaultCredential !== undefined) {
      loginHint.hidden = false;
      loginHint.replaceChildren(
        "Local development: the default credential is ",
        h("code", {}, info.defaultCredential),
        ". Set your own with ",
        h("code", {}, "--console-credential"),
        " or ",
        h("code", {}, "HERALD_CONSOLE_CREDENTIAL"),
        ".",
      );
    }
  } catch (err) {
    showLogin(`The server did not answer: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const saved = credentialStore.get();
  if (saved !== null) await signIn(saved);
  else showLogin();
})();
