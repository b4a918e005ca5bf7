/**
 * Adds an entry to a decoded `map<string, string>` as an own property, whatever its key. Plain
 * assignment would treat `"__proto__"` as the prototype setter and silently drop the entry (a
 * string is no prototype); protobuf maps, like the Go maps of a stock server, keep it as any key.
 */
export function setMapEntry(into: Record<string, string>, key: string, value: string): void {
  if (key === "__proto__") {
    Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    into[key] = value;
  }
}
