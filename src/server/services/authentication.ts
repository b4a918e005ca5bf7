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
  checkVars,
  SignInWords,
} from "./auth/sign-in-checks.js";
import type { Caller } from "./caller.js";
import type { RequestOf, ResponseOf } from "./route-types.js";

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

// Stock's words for refresh and logout refusals only this service makes.
const REFRESH_TOKEN_REQUIRED = "Refresh token is required.";
const SESSION_TOKEN_INVALID = "Session token invalid.";
const REFRESH_TOKEN_INVALID = "Refresh token invalid.";

/** What authentication needs. */
export interface AuthenticationDeps {
  users: AsyncUserStore;
  auth: AuthService;
  logger: Logger;
  /** Vars are bounded ({@link checkVars}); stock mode signs in any, as stock does. */
  boundVars?: boolean | undefined;
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

  private checkVars(vars: Readonly<Record<string, string>> | undefined): void {
    if (this.deps.boundVars) checkVars(vars);
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
    this.checkVars(req.account?.vars);
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
    this.checkVars(req.account?.vars);
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
    this.checkVars(vars);
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
    if (!req.token) refuse("bad_input", REFRESH_TOKEN_REQUIRED);
    this.checkVars(req.vars);
    const claims = await this.deps.auth.verifyRefresh(req.token);
    if (claims === undefined) refuse("unauthenticated", "Refresh token invalid or expired.");
    const user = await this.deps.users.byId(claims.uid);
    if (user === undefined) refuse("not_found", StockWords.userAccountNotFound);
    const vars = Object.keys(req.vars).length > 0 ? req.vars : claims.vrs;
    return this.deps.auth.reissue(user, vars, claims.tid);
  }

  /**
   * Revokes the calling session and, when given, the caller's tokens named in the body; naming none
   * revokes every session of the caller issued before this second. A named
   * token that is not a valid one of the caller's, of its kind, is refused in stock's words before
   * anything is revoked.
   */
  async sessionLogout(req: RequestOf<"sessionLogout">, caller: Caller): Promise<ResponseOf<"sessionLogout">> {
    const { auth } = this.deps;
    const session = req.token ? auth.claimsOfSession(req.token) : undefined;
    if (req.token && session?.uid !== caller.userId) refuse("bad_input", SESSION_TOKEN_INVALID);
    const refresh = req.refreshToken ? auth.claimsOfRefresh(req.refreshToken) : undefined;
    if (req.refreshToken && refresh?.uid !== caller.userId) refuse("bad_input", REFRESH_TOKEN_INVALID);
    await auth.revoke(caller.tid, caller.exp);
    for (const claims of [session, refresh])
      if (claims !== undefined) await auth.revoke(claims.tid, claims.exp);
    // Naming no token logs the user out everywhere, as on stock.
    if (!req.token && !req.refreshToken) await auth.revokeAllOf(caller.userId);
    return {};
  }
}
