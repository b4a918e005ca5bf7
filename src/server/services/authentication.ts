import { randomInt } from "node:crypto";
import type { Logger } from "../logger.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { UserRow, UserStore } from "../storage/users.js";
import type { AuthService } from "./auth/auth-service.js";
import { hashPassword, verifyPassword } from "./auth/passwords.js";
import type { Caller } from "./caller.js";
import { FieldLimits, hasControlCharacter } from "./field-limits.js";
import type { RequestOf, ResponseOf } from "./route-types.js";

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** What authentication needs. */
export interface AuthenticationDeps {
  users: UserStore;
  auth: AuthService;
  logger: Logger;
}

/** Signing users in (creating them when asked), refreshing sessions and logging out. */
export class Authentication {
  constructor(private readonly deps: AuthenticationDeps) {}

  private randomUsername(): string {
    for (;;) {
      let name = "";
      for (let i = 0; i < 10; i++) name += LETTERS[randomInt(LETTERS.length)];
      if (this.deps.users.byUsername(name) === undefined) return name;
    }
  }

  /** The username to create a user with: the requested one if free, else a random one. */
  private newUsername(requested: string): string {
    if (requested === "") return this.randomUsername();
    if (requested.length > FieldLimits.username || /\s/.test(requested) || hasControlCharacter(requested))
      refuse("bad_input", StockWords.invalidUsername);
    if (this.deps.users.byUsername(requested) !== undefined)
      refuse("already_exists", StockWords.usernameInUse);
    return requested;
  }

  private sessionFor(user: UserRow, vars: Record<string, string>, created: boolean) {
    this.deps.logger.info(created ? "user_created" : "user_authenticated", { userId: user.id });
    return this.deps.auth.issue(user, vars, created);
  }

  authenticateDevice(req: RequestOf<"authenticateDevice">): ResponseOf<"authenticateDevice"> {
    const id = req.account?.id ?? "";
    if (id.length < 10 || id.length > 128) refuse("bad_input", "Device ID invalid, must be 10-128 bytes.");
    const found = this.deps.users.byDevice(id);
    if (found !== undefined) return this.sessionFor(found, req.account?.vars ?? {}, false);
    if (req.create === false) refuse("not_found", StockWords.userAccountNotFound);
    const user = this.deps.users.create({ username: this.newUsername(req.username), deviceId: id });
    return this.sessionFor(user, req.account?.vars ?? {}, true);
  }

  authenticateCustom(req: RequestOf<"authenticateCustom">): ResponseOf<"authenticateCustom"> {
    const id = req.account?.id ?? "";
    if (id.length < 6 || id.length > 128) refuse("bad_input", "Custom ID invalid, must be 6-128 bytes.");
    const found = this.deps.users.byCustomId(id);
    if (found !== undefined) return this.sessionFor(found, req.account?.vars ?? {}, false);
    if (req.create === false) refuse("not_found", StockWords.userAccountNotFound);
    const user = this.deps.users.create({ username: this.newUsername(req.username), customId: id });
    return this.sessionFor(user, req.account?.vars ?? {}, true);
  }

  async authenticateEmail(req: RequestOf<"authenticateEmail">): Promise<ResponseOf<"authenticateEmail">> {
    const email = (req.account?.email ?? "").toLowerCase();
    const password = req.account?.password ?? "";
    if (email.length < 10 || email.length > 255 || !EMAIL.test(email))
      refuse("bad_input", "Invalid email address format.");
    if (password.length < 8) refuse("bad_input", "Password must be at least 8 characters long.");
    const found = this.deps.users.byEmail(email);
    if (found !== undefined) {
      if (found.password_hash === null || !(await verifyPassword(password, found.password_hash))) {
        refuse("unauthenticated", "Invalid credentials.");
      }
      return this.sessionFor(found, req.account?.vars ?? {}, false);
    }
    if (req.create === false) refuse("not_found", StockWords.userAccountNotFound);
    const username = this.newUsername(req.username);
    const passwordHash = await hashPassword(password);
    // The hash took a while; someone may have taken the email or username meanwhile.
    if (this.deps.users.byEmail(email) !== undefined) refuse("already_exists", "Email is already in use.");
    if (this.deps.users.byUsername(username) !== undefined)
      refuse("already_exists", StockWords.usernameInUse);
    const user = this.deps.users.create({ username, email, passwordHash });
    return this.sessionFor(user, req.account?.vars ?? {}, true);
  }

  sessionRefresh(req: RequestOf<"sessionRefresh">): ResponseOf<"sessionRefresh"> {
    const claims = req.token ? this.deps.auth.verifyRefresh(req.token) : undefined;
    if (claims === undefined) refuse("unauthenticated", "Refresh token invalid or expired.");
    const user = this.deps.users.byId(claims.uid);
    if (user === undefined) refuse("unauthenticated", "User account not found.");
    const vars = Object.keys(req.vars).length > 0 ? req.vars : claims.vrs;
    return this.deps.auth.reissue(req.token, user, vars, claims.tid);
  }

  sessionLogout(req: RequestOf<"sessionLogout">, caller: Caller): ResponseOf<"sessionLogout"> {
    // Logging out revokes the calling session and, when given, the tokens named in the body.
    this.deps.auth.revoke(caller.tid, caller.exp);
    for (const token of [req.token, req.refreshToken]) {
      if (!token) continue;
      const claims = this.deps.auth.claimsOfAny(token);
      if (claims !== undefined && claims.uid === caller.userId) this.deps.auth.revoke(claims.tid, claims.exp);
    }
    return {};
  }
}
