/**
 * A service URL (database, Redis) as logs and start lines may show it: its password, if it has
 * one, replaced by `***`. Text that does not parse as a URL gives `unreadable` instead, so that a
 * malformed URL with a password in it is never printed either.
 */
export function urlWithoutPassword(raw: string, unreadable: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return unreadable;
  }
}
