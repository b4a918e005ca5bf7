import { defaultRates, type RateLimitOptions } from "./limits-options.js";

/**
 * Reads rate limits written as `NAME=BURST/PER_SECOND` or `NAME=off` (`all=off` turns every one
 * off), as the CLI takes them. Returns the options, or a message saying what is wrong.
 */
export function parseRates(specs: readonly string[]): RateLimitOptions | false | string {
  const out: RateLimitOptions = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const name = eq < 0 ? spec : spec.slice(0, eq);
    const value = eq < 0 ? "" : spec.slice(eq + 1);
    if (name === "all") {
      if (value !== "off") return `--rate all only takes "off", got "${spec}"`;
      return false;
    }
    if (!Object.hasOwn(defaultRates, name))
      return `unknown rate limit "${name}" (use ${Object.keys(defaultRates).join(", ")})`;
    const key = name as keyof RateLimitOptions;
    if (value === "off") {
      out[key] = false;
      continue;
    }
    const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(value);
    const burst = Number(m?.[1]);
    const perSecond = Number(m?.[2]);
    if (m === null || burst < 1 || perSecond <= 0)
      return `--rate ${name} takes BURST/PER_SECOND (e.g. 20/10) or off, got "${value}"`;
    out[key] = { burst, perSecond };
  }
  return out;
}
