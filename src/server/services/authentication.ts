import { randomInt } from "node:crypto";
import { HeraldError } from "../../errors.js";
import type { Logger } from "../logger.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncUserStore, NewUser, UserRow } from "../storage/async-storage.js";
import type { AuthService } from "./auth/auth-service.js";
import { hashPassword, verifyPassword } from "./auth/passwords.js";
import {
  checkCustomId,
  checkDeviceId,
  checkEmail,
  checkPassword,
  checkUsername,
  SignInWords,
} from "./auth/sign-in-checks.js";
import type { Caller } from "./caller.js";
import type { RequestOf, ResponseOf } from "./route-types.js";

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

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

  /**
   * The username to create a user with: the requested one (already checked by `checkUsername`) if
   * free, else a random one.
   */
  private async newUsername(requested: string): Promise<string> {
    if (requested === "") return this.randomUsername();
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
    // Stock checks the id, then the username asked for (even for a user who exists), then looks up.
    const id = req.account?.id ?? "";
    checkDeviceId(id);
    if (req.username !== "") checkUsername(req.username);
    const found = await this.deps.users.byDevice(id);
    if (found !== undefined) return this.sessionFor(found, req.account?.vars ?? {}, false);
    if (req.create === false) refuse("not_found", StockWords.userAccountNotFound);
    const user = await this.create({ username: await this.newUsername(req.username), deviceId: id });
    return this.sessionFor(user, req.account?.vars ?? {}, true);
  }

  async authenticateCustom(req: RequestOf<"authenticateCustom">): Promise<ResponseOf<"authenticateCustom">> {
    const id = req.account?.id ?? "";
    checkCustomId(id);
    if (req.username !== "") checkUsername(req.username);
    const found = await this.deps.users.byCustomId(id);
    if (found !== undefined) return this.sessionFor(found, req.account?.vars ?? {}, false);
    if (req.create === false) refuse("not_found", StockWords.userAccountNotFound);
    const user = await this.create({ username: await this.newUsername(req.username), customId: id });
    return this.sessionFor(user, req.account?.vars ?? {}, true);
  }

  /**
   * Signs in by email and password, creating the user if asked; with no email, by username and
   * password (never creating), as stock does.
   */
  async authenticateEmail(req: RequestOf<"authenticateEmail">): Promise<ResponseOf<"authenticateEmail">> {
    if (req.account === undefined) refuse("bad_input", SignInWords.emailAndPasswordRequired);
    const vars = req.account.vars ?? {};
    const givenEmail = req.account.email ?? "";
    const password = req.account.password ?? "";
    if (givenEmail !== "") checkEmail(givenEmail);
    checkPassword(password);
    if (req.username === "" && givenEmail === "") refuse("bad_input", SignInWords.usernameForLogin);
    if (req.username !== "") checkUsername(req.username);
    if (givenEmail === "") {
      const user = await this.deps.users.byUsername(req.username);
      if (user === undefined) refuse("not_found", StockWords.userAccountNotFound);
      await this.refuseWrongPassword(user, password);
      return this.sessionFor(user, vars, false);
    }
    const email = givenEmail.toLowerCase();
    const found = await this.deps.users.byEmail(email);
    if (found !== undefined) {
      await this.refuseWrongPassword(found, password);
      return this.sessionFor(found, vars, false);
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
    return this.sessionFor(user, vars, true);
  }

  /** Refuses a password that does not match the user's (or a user without one) in the same words. */
  private async refuseWrongPassword(user: UserRow, password: string): Promise<void> {
    if (user.password_hash === null || !(await verifyPassword(password, user.password_hash)))
      refuse("unauthenticated", SignInWords.invalidCredentials);
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
