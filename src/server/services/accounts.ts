import type { UserInit } from "../../gen/wire.js";
import { isUuid, refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import { accountToWire, type UserRow, type UserStore } from "../storage/users.js";
import type { Caller } from "./caller.js";
import { checkField, FieldLimits, hasControlCharacter } from "./field-limits.js";
import type { RequestOf, ResponseOf } from "./route-types.js";
import type { UserViews } from "./user-views.js";
import type { Visibility } from "./visibility.js";

/** What the account rules need. */
export interface AccountsDeps {
  users: UserStore;
  userViews: UserViews;
  visibility: Visibility;
  /** Whether the user_presence extension is on (the stored `invisible` flag). */
  presence: boolean;
}

/** The caller's account, its changes, and looking users up. */
export class Accounts {
  constructor(private readonly deps: AccountsDeps) {}

  getAccount(_req: RequestOf<"getAccount">, caller: Caller): ResponseOf<"getAccount"> {
    const { users, userViews, presence } = this.deps;
    const row = users.byId(caller.userId);
    if (row === undefined) refuse("not_found", StockWords.accountNotFound);
    const account = accountToWire(row, users.devices(row.id), userViews.view(row, caller.userId));
    if (!presence) delete account.invisible;
    return account;
  }

  updateAccount(req: RequestOf<"updateAccount">, caller: Caller): ResponseOf<"updateAccount"> {
    const { users, visibility, presence } = this.deps;
    const row = users.byId(caller.userId);
    if (row === undefined) refuse("not_found", StockWords.accountNotFound);
    if (req.username !== undefined && req.username !== row.username) {
      if (
        req.username === "" ||
        req.username.length > FieldLimits.username ||
        /\s/.test(req.username) ||
        hasControlCharacter(req.username)
      ) {
        refuse("bad_input", StockWords.invalidUsername);
      }
      if (users.byUsername(req.username) !== undefined) refuse("already_exists", StockWords.usernameInUse);
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
    users.update(row.id, changes);
    if (invisible !== undefined) visibility.set(row.id, invisible);
    return {};
  }

  getUsers(req: RequestOf<"getUsers">, caller: Caller): ResponseOf<"getUsers"> {
    const { users, userViews } = this.deps;
    const seen = new Set<string>();
    const found: UserInit[] = [];
    const add = (row: UserRow | undefined) => {
      if (row === undefined || seen.has(row.id)) return;
      seen.add(row.id);
      found.push(userViews.view(row, caller.userId));
    };
    for (const id of req.ids) {
      if (!isUuid(id)) refuse("bad_input", `ID '${id}' is not a valid system ID.`);
      add(users.byId(id.toLowerCase()));
    }
    for (const name of req.usernames) add(users.byUsername(name));
    return { users: found };
  }
}
