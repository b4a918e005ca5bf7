import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Where the generated token secret of a database file lives: beside it. */
export function tokenSecretPath(dbPath: string): string {
  return `${dbPath}.token-secret`;
}

/**
 * The token secret to sign with: the configured one, else the one persisted beside the database
 * (generated on first start, so tokens survive restarts), else a random one for ":memory:".
 */
export function resolveTokenSecret(configured: string | undefined, dbPath: string): string {
  if (configured !== undefined && configured !== "") return configured;
  if (dbPath === ":memory:" || dbPath === "") return randomBytes(32).toString("base64url");
  const file = tokenSecretPath(dbPath);
  if (existsSync(file)) {
    const saved = readFileSync(file, "utf8").trim();
    if (saved !== "") return saved;
  }
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
