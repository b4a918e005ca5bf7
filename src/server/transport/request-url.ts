/** The URL of a request, whatever its target: never throws ("//" or "@" included). */
export function requestUrl(target: string | undefined): URL {
  const raw = target ?? "/";
  try {
    return new URL(raw, "http://localhost");
  } catch {
    try {
      return new URL(`http://localhost${raw.startsWith("/") ? raw : `/${raw}`}`);
    } catch {
      return new URL("http://localhost/");
    }
  }
}
