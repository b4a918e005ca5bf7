const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The user part of a `Basic` header, read strictly as stock reads it (padded base64, a colon);
 * undefined if the header is of another scheme or malformed.
 */
export function basicUsername(header: string): string | undefined {
  if (!header.startsWith("Basic ")) return undefined;
  const encoded = header.slice(6);
  if (!BASE64.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(0, colon);
}
