const MAX_CHARS = 1000;

/**
 * A short, readable rendering of values for error messages: JSON (Dates as ISO text, bigints as
 * numbers), cut at about a thousand characters so that a flood of events stays readable.
 */
export function describeValues(values: readonly unknown[]): string {
  let text: string;
  try {
    text = JSON.stringify(values, (_key, value: unknown) =>
      typeof value === "bigint"
        ? value.toString()
        : value instanceof Uint8Array
          ? `<${value.length} bytes>`
          : value,
    );
  } catch {
    text = `[${values.map((v) => String(v)).join(", ")}]`;
  }
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}... (${values.length} in all)` : text;
}
