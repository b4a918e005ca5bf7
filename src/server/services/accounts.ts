import { HeraldError } from "../../errors.js";
import type { UserInit } from "../../gen/wire.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncUserStore } from "../storage/async-storage.js";
import { accountToWire, type UserRow } from "../storage/users.js";
import { checkUsername, SignInWords } from "./auth/sign-in-checks.js";
import type { Caller } from "./caller.js";
import { checkField, FieldLimits, utf8Length } from "./field-limits.js";
import type { RequestOf, ResponseOf } from "./route-types.js";
import type { UserViews } from "./user-views.js";
import { canonicalUuid } from "./uuid-text.js";
import type { Visibility } from "./visibility.js";

/** Stock's words for an account change that names no field. */
const NO_FIELDS = "No fields to update.";

/** What the account rules need. */
export interface AccountsDeps {
  users: AsyncUserStore;
  userViews: UserViews;
  visibility: Visibility;
  /** Whether the user_presence extension is on (the stored `invisible` flag). */
  presence: boolean;
}

/** The caller's account, its changes, and looking users up. */
export class Accounts {
  constructor(private readonly deps: AccountsDeps) {}

  async getAccount(_req: RequestOf<"getAccount">, caller: Caller): Promise<ResponseOf<"getAccount">> {
    const { users, userViews, presence } = this.deps;
    const row = await users.byId(caller.userId);
    if (row === undefined) refuse("not_found", StockWords.accountNotFound);
    const [devices, view] = await Promise.all([users.devices(row.id), userViews.view(row, caller.userId)]);
    const account = accountToWire(row, devices, view);
    if (!presence) delete account.invisible;
    return account;
  }

  async updateAccount(req: RequestOf<"updateAccount">, caller: Caller): Promise<ResponseOf<"updateAccount">> {
    const { users, visibility, presence } = this.deps;
    const row = await users.byId(caller.userId);
    if (row === undefined) refuse("not_found", StockWords.accountNotFound);
    // Stock's order: the username's length in bytes, then its characters; then whether any field
    // is given at all; a taken name is found last.
    if (req.username !== undefined) {
      const bytes = utf8Length(req.username);
      if (bytes < 1 || bytes > 128) refuse("bad_input", SignInWords.usernameLength);
      checkUsername(req.username);
    }
    const given = [req.username, req.displayName, req.avatarUrl, req.langTag, req.location, req.timezone];
    if (given.every((v) => v === undefined) && req.invisible === undefined) refuse("bad_input", NO_FIELDS);
    if (req.username !== undefined && req.username !== row.username) {
      if ((await users.byUsername(req.username)) !== undefined)
        refuse("already_exists", StockWords.usernameInUse);
    }
    checkField("Display name", req.displayName, FieldLimits.displayName, { plain: true });
    checkField("Avatar URL", req.avatarUrl, FieldLimits.avatarUrl);
    checkField("Lang tag", req.langTag, FieldLimits.langTag, { plain: true });
    checkField("Location", req.location, FieldLimits.location, { plain: true });
    checkField("Timezone", req.timezone, FieldLimits.timezone, { plain: true });
    const { invisible, ...changes } = req;
    if (invisible !== undefined && !presence) {
      refuse("unsupported", "invisible is not supported by this server (no user_presence extension)", {
        wire: "bad_input",
      });
    }
    // A username taken meanwhile (the check above read before another request wrote) is refused
    // by the store's uniqueness, with the same words.
    await users.update(row.id, changes).catch((err: unknown) => {
      if (HeraldError.is(err, "already_exists")) refuse("already_exists", StockWords.usernameInUse);
      throw err;
    });
    if (invisible !== undefined) await visibility.set(row.id, invisible);
    return {};
  }

  async getUsers(req: RequestOf<"getUsers">, caller: Caller): Promise<ResponseOf<"getUsers">> {
    const { users, userViews } = this.deps;
    const ids = req.ids.map((id) => {
      const canonical = systemId(id);
      if (canonical === undefined) refuse("bad_input", `ID '${id}' is not a valid system ID.`);
      return canonical;
    });
    // Looked up together, then listed in the order asked (ids first, then usernames), once each.
    const [byId, byName] = await Promise.all([users.byIds(ids), users.byUsernames(req.usernames)]);
    const rows = new Map(byId.map((r) => [r.id, r]));
    const named = new Map(byName.map((r) => [r.username, r]));
    const ordered: (UserRow | undefined)[] = [
      ...ids.map((id) => rows.get(id)),
      ...req.usernames.map((name) => named.get(name)),
    ];
    const seen = new Set<string>();
    const picked: UserRow[] = [];
    for (const row of ordered) {
      if (row === undefined || seen.has(row.id)) continue;
      seen.add(row.id);
      picked.push(row);
    }
    const found: UserInit[] = await Promise.all(picked.map((row) => userViews.view(row, caller.userId)));
    return { users: found };
  }
}

/**
 * A user id in canonical lower-case form, from any form stock's UUID parser takes and its database
 * matches: canonical, 32 hex digits without hyphens, either of them in braces, in any case (not
 * `urn:uuid:`, which stock's database does not match: it fails the read).
 */
function systemId(id: string): string | undefined {
  return id.startsWith("urn:") ? undefined : canonicalUuid(id);
}
