/**
 * What is wrong with a raw query string (`url.search`), or undefined: a `%` not followed by two hex
 * digits, or escapes that do not spell UTF-8 text. `URLSearchParams` would keep the first as text
 * and turn the second into U+FFFD, so a value would be read as something the client never sent.
 * herald's rule, for every route; stock mode reads the query as stock does (stock-query-faults.ts).
 */
export function queryFault(search: string): string | undefined {
  if (!search.includes("%")) return undefined;
  for (const piece of search.slice(search.startsWith("?") ? 1 : 0).split("&")) {
    if (!piece.includes("%")) continue;
    try {
      decodeURIComponent(piece);
    } catch {
      const shown = piece.length > 64 ? `${piece.slice(0, 64)}...` : piece;
      return /%(?![0-9a-fA-F]{2})/.test(piece)
        ? `invalid URL escape in "${shown}"`
        : `"${shown}" is not UTF-8 text once unescaped`;
    }
  }
  return undefined;
}
