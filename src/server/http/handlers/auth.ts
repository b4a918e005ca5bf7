import { randomInt } from "node:crypto";
import { hashPassword, verifyPassword } from "../../auth/passwords.js";
import type { Caller, ServerContext } from "../../context.js";
import { refuse } from "../../refusal.js";
import type { UserRow } from "../../storage/users.js";
import type { Handlers } from "../router.js";

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function randomUsername(ctx: ServerContext): string {
  for (;;) {
    let name = "";
    for (let i = 0; i < 10; i++) name += LETTERS[randomInt(LETTERS.length)];
    if (ctx.users.byUsername(name) === undefined) return name;
  }
}

/** The username to create a user with: the requested one if free, else a random one. */
function newUsername(ctx: ServerContext, requested: string): string {
  if (requested === "") return randomUsername(ctx);
  if (requested.length > 128 || /\s/.test(requested))
    refuse("Username invalid, must be 1-128 characters with no spaces.");
  if (ctx.users.byUsername(requested) !== undefined) refuse("Username is already in use.", 6);
  return requested;
}

function sessionFor(ctx: ServerContext, user: UserRow, vars: Record<string, string>, created: boolean) {
  ctx.logger.info(created ? "user_created" : "user_authenticated", { userId: user.id });
  return ctx.auth.issue(user, vars, created);
}

/** Authentication, refresh and logout routes. */
export function authHandlers(ctx: ServerContext): Handlers {
  return {
    authenticateDevice: (req) => {
      const id = req.account?.id ?? "";
      if (id.length < 10 || id.length > 128) refuse("Device ID invalid, must be 10-128 bytes.");
      const found = ctx.users.byDevice(id);
      if (found !== undefined) return sessionFor(ctx, found, req.account?.vars ?? {}, false);
      if (req.create === false) refuse("User account not found.", 5);
      const user = ctx.users.create({ username: newUsername(ctx, req.username), deviceId: id });
      return sessionFor(ctx, user, req.account?.vars ?? {}, true);
    },
    authenticateCustom: (req) => {
      const id = req.account?.id ?? "";
      if (id.length < 6 || id.length > 128) refuse("Custom ID invalid, must be 6-128 bytes.");
      const found = ctx.users.byCustomId(id);
      if (found !== undefined) return sessionFor(ctx, found, req.account?.vars ?? {}, false);
      if (req.create === false) refuse("User account not found.", 5);
      const user = ctx.users.create({ username: newUsername(ctx, req.username), customId: id });
      return sessionFor(ctx, user, req.account?.vars ?? {}, true);
    },
    authenticateEmail: async (req) => {
      const email = (req.account?.email ?? "").toLowerCase();
      const password = req.account?.password ?? "";
      if (email.length < 10 || email.length > 255 || !EMAIL.test(email))
        refuse("Invalid email address format.");
      if (password.length < 8) refuse("Password must be at least 8 characters long.");
      const found = ctx.users.byEmail(email);
      if (found !== undefined) {
        if (found.password_hash === null || !(await verifyPassword(password, found.password_hash))) {
          refuse("Invalid credentials.", 16);
        }
        return sessionFor(ctx, found, req.account?.vars ?? {}, false);
      }
      if (req.create === false) refuse("User account not found.", 5);
      const username = newUsername(ctx, req.username);
      const passwordHash = await hashPassword(password);
      // The hash took a while; someone may have taken the email or username meanwhile.
      if (ctx.users.byEmail(email) !== undefined) refuse("Email is already in use.", 6);
      if (ctx.users.byUsername(username) !== undefined) refuse("Username is already in use.", 6);
      const user = ctx.users.create({ username, email, passwordHash });
      return sessionFor(ctx, user, req.account?.vars ?? {}, true);
    },
    sessionRefresh: (req) => {
      const claims = req.token ? ctx.auth.verifyRefresh(req.token) : undefined;
      if (claims === undefined) refuse("Refresh token invalid or expired.", 16);
      const user = ctx.users.byId(claims.uid);
      if (user === undefined) refuse("User account not found.", 16);
      const vars = Object.keys(req.vars).length > 0 ? req.vars : claims.vrs;
      return ctx.auth.reissue(req.token, user, vars, claims.tid);
    },
    sessionLogout: (req, caller: Caller) => {
      // Logging out revokes the calling session and, when given, the tokens named in the body.
      ctx.auth.revoke(caller.tid, caller.exp);
      for (const token of [req.token, req.refreshToken]) {
        if (!token) continue;
        const claims = ctx.auth.claimsOfAny(token);
        if (claims !== undefined && claims.uid === caller.userId) ctx.auth.revoke(claims.tid, claims.exp);
      }
      return {};
    },
  };
}
