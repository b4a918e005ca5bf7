import { HeraldError } from "../errors.js";
import type { Models } from "../gen/model.js";
import type { MessageName } from "../gen/schema.js";
import type { Messages } from "../gen/wire.js";
import { parseJsonObject, VIEW_BRAND } from "./json-object.js";
import { type FieldInfo, messageInfo } from "./schema.js";

export { parseJsonObject } from "./json-object.js";

// Wire messages become app models by one table-driven walk: the only difference between the two
// (src/gen/wire.ts vs src/gen/model.ts) is that JSON-object fields (chat content, metadata) are
// parsed. The walk converts decoded objects in place: they were just made by a codec and nobody
// else holds them, and copying every push would cost more than the conversion itself.

type Obj = Record<string, unknown>;

interface Plan {
  /** JSON-object fields of this message. */
  json: FieldInfo[];
  /** Where each JSON-object field is, for error messages ("ChannelMessage.content"). */
  where: string[];
  /** Message fields whose type needs converting somewhere below. */
  nested: FieldInfo[];
}

const plans = new Map<MessageName, Plan | null>();

// null = nothing to convert in this message or below it (most messages: presences, acks).
function planFor(name: MessageName, visiting = new Set<MessageName>()): Plan | null {
  const known = plans.get(name);
  if (known !== undefined) return known;
  if (visiting.has(name)) return null;
  visiting.add(name);
  const plan: Plan = { json: [], where: [], nested: [] };
  for (const field of messageInfo(name).fields) {
    if (field.jsonObject) {
      plan.json.push(field);
      plan.where.push(`${name}.${field.name}`);
    } else if (field.kind === "m" && field.type && planFor(field.type, visiting)) plan.nested.push(field);
  }
  const result = plan.json.length || plan.nested.length ? plan : null;
  plans.set(name, result);
  return result;
}

function convert(value: Obj, plan: Plan): void {
  for (let i = 0; i < plan.json.length; i++) {
    const field = plan.json[i] as FieldInfo;
    value[field.camel] = parseJsonObject(value[field.camel], plan.where[i] as string);
  }
  for (const field of plan.nested) {
    const sub = planFor(field.type as MessageName) as Plan;
    const v = value[field.camel];
    if (v === undefined) continue;
    if (field.repeated) for (const item of v as Obj[]) convert(item, sub);
    else convert(v as Obj, sub);
  }
}

/**
 * A decoded wire message as the app sees it (JSON-object fields parsed). Converts `wire` in place
 * and returns it. Throws HeraldError `server_error` if a JSON-object field holds anything else.
 */
export function toModel<N extends keyof Models & keyof Messages>(name: N, wire: Messages[N]): Models[N] {
  // A view (decoded with `view: true`) already is the app model.
  if ((wire as { [VIEW_BRAND]?: boolean })[VIEW_BRAND]) return wire as unknown as Models[N];
  const plan = planFor(name);
  if (plan) convert(wire as unknown as Obj, plan);
  return wire as unknown as Models[N];
}

/**
 * `toModel("ChannelMessage", wire)` without its table lookups: chat pushes are most of what a
 * socket receives, and their one field to convert is known.
 */
export function chatModel(wire: Messages["ChannelMessage"]): Models["ChannelMessage"] {
  const message = wire as unknown as Obj & { [VIEW_BRAND]?: boolean };
  if (!message[VIEW_BRAND]) message.content = parseJsonObject(message.content, "ChannelMessage.content");
  return message as unknown as Models["ChannelMessage"];
}

function isPlainObject(value: unknown): value is Obj {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Why a value cannot travel as JSON, or undefined if it can. A walk of its own rather than a
// JSON.stringify replacer, which would push every send onto the serializer's slow path.
function unfit(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : "it holds a non-finite number";
    case "object": {
      if (value === null || value instanceof Date) return undefined; // a Date travels as its ISO text
      if (depth > 100) return "it nests too deep, or holds a cycle";
      const list = Array.isArray(value);
      if (!list && !isPlainObject(value)) return "it holds an object that is not plain";
      for (const item of list ? value : Object.values(value)) {
        const why = unfit(item, depth + 1);
        if (why) return why;
      }
      return undefined;
    }
    default:
      return `it holds a ${typeof value}`;
  }
}

/**
 * JSON text of chat content. Refuses, with HeraldError `bad_input`, anything but a plain object of
 * JSON values: class instances, Maps, functions, symbols, bigints and non-finite numbers would
 * otherwise be dropped or mangled silently by `JSON.stringify`. Undefined properties are dropped.
 */
export function stringifyJsonObject(value: unknown, what = "content"): string {
  const why = isPlainObject(value) ? unfit(value, 0) : "itself is not one";
  if (why) throw new HeraldError("bad_input", `${what} must be a plain JSON object (${why})`);
  return JSON.stringify(value);
}
