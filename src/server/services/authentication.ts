import { randomInt } from "node:crypto";
import { HeraldError } from "../../errors.js";
import type { Logger } from "../logger.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncUserStore, NewUser, UserRow } from "../storage/async-storage.js";
import type { AuthService } from "./auth/auth-service.js";
import { hashPassword, verifyPassword } from "./auth/passwords.js";
import type { Caller } from "./caller.js";
import { FieldLimits, hasControlCharacter } from "./field-limits.js";
import type { RequestOf, ResponseOf } from "./route-types.js";

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** What authentication needs. */
export interface AuthenticationDeps {
  users: AsyncUserStore;
  auth: AuthService;
  logger: Logger;
}

/** Signing users in (creating them when asked), refreshing sessions and logging out. */
export class Authentication {
  constructor(private readonly deps: AuthenticationDeps) {}

  private async randomUsername(): Promise<string> {
    for (;;) {
      let name = "";
      for (let i = 0; i < 10; i++) name += LETTERS[randomInt(LETTERS.length)];
      if ((await this.deps.users.byUsername(name)) === undefined) return name;
    }
  }

  /** The username to create a user with: the requested one if free, else a random one. */
  private async newUsername(requested: string): Promise<string> {
    if (requested === "") return this.randomUsername();
    if (requested.length > FieldLimits.username || /\s/.test(requested) || hasControlCharacter(requested))
      refuse("bad_input", StockWords.invalidUsername);
    if ((await this.deps.users.byUsername(requested)) !== undefined)
      refuse("already_exists", StockWords.usernameInUse);
    return requested;
  }

  /**
   * Creates a user. Another request may have taken the name or id since it was checked (on a
   * cluster, on another server): the store refuses that as `already_exists`, told here with
   * stock's words for a taken username.
   */
  private async create(fields: NewUser): Promise<UserRow> {
    try {
      return await this.deps.users.create(fields);
    } catch (err) {
      if (HeraldError.is(err, "already_exists")) refuse("already_exists", StockWords.usernameInUse);
      throw err;
    }
  }

  private sessionFor(user: UserRow, vars: Record<string, string>, created: boolean) {
    this.deps.logger.info(created ? "user_created" : "user_authenticated", { userId: user.id });
    return this.deps.auth.issue(user, vars, created);
  }

  async authenticateDevice(req: RequestOf<"authenticateDevice">): Promise<ResponseOf<"authenticateDevice">> {
    const id = req.account?.id ?? "";
    if (id.length < 10 || id.length > 128) refuse("bad_input", "Device ID invalid, must be 10-128 bytes.");
    const found = await this.deps.users.byDevice(id);
    if (found !== undefined) return this.sessionFor(found, req.account?.vars ?? {}, false);
    if (req.create === false) refuse("not_found", StockWords.userAccountNotFound);
    const user = await this.create({ username: await this.newUsername(req.username), deviceId: id });
    return this.sessionFor(user, req.account?.vars ?? {}, true);
  }

  async authenticateCustom(req: RequestOf<"authenticateCustom">): Promise<ResponseOf<"authenticateCustom">> {
    const id = req.account?.id ?? "";
    if (id.length < 6 || id.length > 128) refuse("bad_input", "Custom ID invalid, must be 6-128 bytes.");
    const found = await this.deps.users.byCustomId(id);
    if (found !== undefined) return this.sessionFor(found, req.account?.vars ?? {}, false);
    if (req.create === false) refuse("not_found", StockWords.userAccountNotFound);
    const user = await this.create({ username: await this.newUsername(req.username), customId: id });
    return this.sessionFor(user, req.account?.vars ?? {}, true);
  }

  async authenticateEmail(req: RequestOf<"authenticateEmail">): Promise<ResponseOf<"authenticateEmail">> {
    const email = (req.account?.email ?? "").toLowerCase();
    const password = req.account?.password ?? "";
    if (email.length < 10 || email.length > 255 || !EMAIL.test(email))
      refuse("bad_input", "Invalid email address format.");
    if (password.length < 8) refuse("bad_input", "Password must be at least 8 characters long.");
    const found = await this.deps.users.byEmail(email);
    if (found !== undefined) {
      if (found.password_hash === null || !(await verifyPassword(password, found.password_hash))) {
        refuse("unauthenticated", "Invalid credentials.");
      }
      return this.sessionFor(found, req.account?.vars ?? {}, false);
    }
    if (req.create === false) refuse("not_found", StockWords.userAccountNotFound);
    const username = await this.newUsername(req.username);
    const passwordHash = await hashPassword(password);
    // The hash took a while; someone may have taken the email or username meanwhile.
    if ((await this.deps.users.byEmail(email)) !== undefined)
      refuse("already_exists", "Email is already in use.");
    if ((await this.deps.users.byUsername(username)) !== undefined)
      refuse("already_exists", StockWords.usernameInUse);
    const user = await this.create({ username, email, passwordHash });
    return this.sessionFor(user, req.account?.vars ?? {}, true);
  }

  async sessionRefresh(req: RequestOf<"sessionRefresh">): Promise<ResponseOf<"sessionRefresh">> {
    const claims = req.token ? await this.deps.auth.verifyRefresh(req.token) : undefined;
    if (claims === undefined) refuse("unauthenticated", "Refresh token invalid or expired.");
    const user = await this.deps.users.byId(claims.uid);
    if (user === undefined) refuse("unauthenticated", "User account not found.");
    const vars = Object.keys(req.vars).length > 0 ? req.vars : claims.vrs;
    return this.deps.auth.reissue(req.token, user, vars, claims.tid);
  }

  async sessionLogout(req: RequestOf<"sessionLogout">, caller: Caller): Promise<ResponseOf<"sessionLogout">> {
    // Logging out revokes the calling session and, when given, the tokens named in the body.
    await this.deps.auth.revoke(caller.tid, caller.exp);
    for (const token of [req.token, req.refreshToken]) {
      if (!token) continue;
      const claims = this.deps.auth.claimsOfAny(token);
      if (claims !== undefined && claims.uid === caller.userId)
        await this.deps.auth.revoke(claims.tid, claims.exp);
    }
    return {};
  }
}
