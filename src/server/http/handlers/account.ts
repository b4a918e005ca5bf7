import type { UserInit } from "../../../gen/wire.js";
import type { ServerContext } from "../../context.js";
import { isUuid, refuse } from "../../refusal.js";
import { accountToWire, type UserRow } from "../../storage/users.js";
import type { Handlers } from "../router.js";
import { userView } from "./user-view.js";

/** Account and user lookup routes. */
export function accountHandlers(ctx: ServerContext): Handlers {
  return {
    getAccount: (_req, caller) => {
      const row = ctx.users.byId(caller.userId);
      if (row === undefined) refuse("Account not found.", 5);
      const account = accountToWire(row, ctx.users.devices(row.id), userView(ctx, row, caller.userId));
      if (!ctx.extensions.has("user_presence")) delete account.invisible;
      return account;
    },
    updateAccount: (req, caller) => {
      const row = ctx.users.byId(caller.userId);
      if (row === undefined) refuse("Account not found.", 5);
      if (req.username !== undefined && req.username !== row.username) {
        if (req.username === "" || req.username.length > 128 || /\s/.test(req.username)) {
          refuse("Username invalid, must be 1-128 characters with no spaces.");
        }
        if (ctx.users.byUsername(req.username) !== undefined) refuse("Username is already in use.", 6);
      }
      const { invisible, ...changes } = req;
      if (invisible !== undefined && !ctx.extensions.has("user_presence")) {
        refuse("invisible is not supported by this server (no user_presence extension)");
      }
      ctx.users.update(row.id, changes);
      if (invisible !== undefined) ctx.visibility.set(row.id, invisible);
      return {};
    },
    getUsers: (req, caller) => {
      const seen = new Set<string>();
      const users: UserInit[] = [];
      const add = (row: UserRow | undefined) => {
        if (row === undefined || seen.has(row.id)) return;
        seen.add(row.id);
        users.push(userView(ctx, row, caller.userId));
      };
      for (const id of req.ids) {
        if (!isUuid(id)) refuse(`ID '${id}' is not a valid system ID.`);
        add(ctx.users.byId(id.toLowerCase()));
      }
      for (const name of req.usernames) add(ctx.users.byUsername(name));
      return { users };
    },
  };
}
