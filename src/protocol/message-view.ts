import { HeraldError } from "../errors.js";
import type { MessageName } from "../gen/schema.js";
import type { Codec } from "./codec.js";
import { type BodyDecoder, decodeJsonEnvelopeWith, encodeJsonEnvelope } from "./json-codec.js";
import { parseJsonObject, VIEW_BRAND } from "./json-object.js";
import { type FieldInfo, K, type MessageInfo, messageInfo } from "./schema.js";
import { parseTimestamp } from "./timestamp.js";

// Pushes as the SDK hands them to apps, built lazily over the parsed JSON frame.
//
// A client reads a few fields of most pushes (an id, the sender, the content). Copying every
// field into a new camelCase object and turning both timestamps into Dates cost more than parsing
// the frame itself, so a client decodes into views instead: objects whose fields are getters over
// the snake_case JSON, converting (and checking) a field when it is first read and keeping the
// result. JSON-object fields (chat content, metadata) are parsed at once, as decoding always did,
// so unreadable content is still refused before any listener sees the message.
//
// Views have the app-model types of src/gen/model.ts. Their fields are accessors on the prototype,
// so `{ ...view }` copies nothing: `toJSON()` gives a plain object (JSON.stringify calls it).
// Fields can be assigned; the assigned value is then what reads return.

type Obj = Record<string, unknown>;

/** Marks a converted field whose value is `undefined` (an absent wrapper, timestamp or message). */
const ABSENT = Symbol("absent");
/** What `MessageView.kept` returns for a field not converted yet. */
const NOT_KEPT = Symbol("not kept");

/**
 * Base of every message view: the parsed JSON, and the fields converted or assigned so far, by
 * field index (`undefined` = not yet).
 */
class MessageView {
  readonly #raw: Obj;
  /** The first JSON-object field, parsed (messages have one at most, so far). */
  readonly #json: unknown;
  #memo: unknown[] | undefined;

  constructor(raw: Obj, json: unknown, memo: unknown[] | undefined) {
    this.#raw = raw;
    this.#json = json;
    this.#memo = memo;
  }

  static json(view: MessageView): unknown {
    return view.#json;
  }

  /** The parsed JSON the view reads from. */
  static raw(view: MessageView): Obj {
    return view.#raw;
  }

  /** The kept value of field `index`, or undefined if there is none yet. */
  static kept(view: MessageView, index: number): unknown {
    const memo = view.#memo;
    if (memo === undefined) return NOT_KEPT;
    const v = memo[index];
    return v === ABSENT ? undefined : v === undefined ? NOT_KEPT : v;
  }

  /** Whether field `index` was converted or assigned. */
  static touched(view: MessageView, index: number): boolean {
    return view.#memo !== undefined && view.#memo[index] !== undefined;
  }

  /** Keeps a converted or assigned value of field `index`. */
  static keep(view: MessageView, index: number, value: unknown): unknown {
    if (view.#memo === undefined) view.#memo = [];
    view.#memo[index] = value === undefined ? ABSENT : value;
    return value;
  }
}

Object.defineProperty(MessageView.prototype, VIEW_BRAND, { value: true });

/** Whether `value` is a view made by this module. */
export const isMessageView = (value: unknown): boolean => value instanceof MessageView;

function wrong(info: MessageInfo, field: FieldInfo, what: string, v: unknown): never {
  const got = typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : typeof v;
  throw new HeraldError("server_error", `${info.name}.${field.name}: expected ${what}, got ${got}`);
}

/** One value of a field, converted from JSON (a list item, or the field itself). */
function convert(info: MessageInfo, field: FieldInfo, v: unknown): unknown {
  switch (field.k) {
    case K.s:
    case K.ws:
      return typeof v === "string" ? v : wrong(info, field, "a string", v);
    case K.b:
    case K.wb:
      return typeof v === "boolean" ? v : wrong(info, field, "a boolean", v);
    case K.i:
    case K.wi: {
      const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
      return typeof n === "number" && (n | 0) === n ? n : wrong(info, field, "a 32-bit integer", v);
    }
    case K.t:
      return (typeof v === "string" && parseTimestamp(v)) || wrong(info, field, "an RFC 3339 timestamp", v);
    case K.M: {
      if (typeof v !== "object" || v === null || Array.isArray(v)) return wrong(info, field, "an object", v);
      for (const key in v) if (typeof (v as Obj)[key] !== "string") wrong(info, field, "string values", v);
      return v;
    }
    default:
      if (typeof v !== "object" || v === null || Array.isArray(v)) return wrong(info, field, "an object", v);
      return viewOf(field.nested ?? messageInfo(field.type as MessageName), v as Obj);
  }
}

/** What a field reads as when the JSON does not hold it. */
function absent(field: FieldInfo): unknown {
  if (field.repeated) return [];
  switch (field.k) {
    case K.s:
      return "";
    case K.b:
      return false;
    case K.i:
      return 0;
    case K.M:
      return {};
    default:
      return undefined;
  }
}

/** Plain strings, booleans and integers need no conversion to keep: they are read each time. */
const isPlain = (field: FieldInfo) =>
  !field.repeated && (field.k === K.s || field.k === K.b || field.k === K.i);

function readField(info: MessageInfo, field: FieldInfo, index: number, view: MessageView): unknown {
  const kept = MessageView.kept(view, index);
  if (kept !== NOT_KEPT) return kept;
  const v = MessageView.raw(view)[field.name];
  if (isPlain(field)) {
    if (v === undefined || v === null) return absent(field);
    // The common case (a string where a string belongs) takes no call.
    return typeof v === "string" && field.k === K.s ? v : convert(info, field, v);
  }
  let value: unknown;
  if (v === undefined || v === null) value = absent(field);
  else if (!field.repeated) value = convert(info, field, v);
  else if (!Array.isArray(v)) wrong(info, field, "a list", v);
  else value = v.map((item) => convert(info, field, item));
  return MessageView.keep(view, index, value);
}

/** Makes the views of one message type. */
type ViewMaker = (raw: Obj) => MessageView;

const makers = new Map<MessageName, ViewMaker>();

function makerFor(info: MessageInfo): ViewMaker {
  const View = class extends MessageView {};
  Object.defineProperty(View, "name", { value: info.name });
  info.fields.forEach((field, index) => {
    const name = field.name;
    Object.defineProperty(View.prototype, field.camel, {
      enumerable: true,
      configurable: true,
      // Ids and names are most reads: a string field holding a string, never assigned, returns
      // without a call.
      get:
        field.k === K.s && !field.repeated
          ? function (this: MessageView) {
              const v = MessageView.raw(this)[name];
              return typeof v === "string" && !MessageView.touched(this, index)
                ? v
                : readField(info, field, index, this);
            }
          : function (this: MessageView) {
              return readField(info, field, index, this);
            },
      set(this: MessageView, value: unknown) {
        MessageView.keep(this, index, value);
      },
    });
  });
  Object.defineProperty(View.prototype, "toJSON", {
    configurable: true,
    writable: true,
    /** A plain object holding every field, as decoding without views makes. */
    value(this: Obj) {
      const out: Obj = {};
      for (const field of info.fields) {
        const v = this[field.camel];
        if (v !== undefined) out[field.camel] = Array.isArray(v) ? v.map(plain) : plain(v);
      }
      return out;
    },
  });
  // JSON-object fields are parsed at once: see the top of this file. The first is kept in a slot
  // of its own, which spares most views an array.
  const json: [number, FieldInfo][] = [];
  info.fields.forEach((field, index) => {
    if (field.jsonObject) json.push([index, field]);
  });
  const [first, ...others] = json;
  if (first === undefined) return (raw) => new View(raw, undefined, undefined);
  const [firstIndex, firstField] = first;
  const where = `${info.name}.${firstField.name}`;
  Object.defineProperty(View.prototype, firstField.camel, {
    enumerable: true,
    configurable: true,
    get(this: MessageView) {
      return MessageView.touched(this, firstIndex)
        ? MessageView.kept(this, firstIndex)
        : MessageView.json(this);
    },
    set(this: MessageView, value: unknown) {
      MessageView.keep(this, firstIndex, value);
    },
  });
  return (raw) => {
    const parsed = parseJsonObject(raw[firstField.name], where);
    let memo: unknown[] | undefined;
    for (const [index, field] of others) {
      memo ??= [];
      memo[index] = parseJsonObject(raw[field.name], `${info.name}.${field.name}`);
    }
    return new View(raw, parsed, memo);
  };
}

const plain = (v: unknown) => (v instanceof MessageView ? (v as unknown as { toJSON(): Obj }).toJSON() : v);

/** The function making views of a message type (made once per type, on first use). */
export function viewMaker(info: MessageInfo): ViewMaker {
  let make = makers.get(info.name);
  if (!make) {
    make = makerFor(info);
    makers.set(info.name, make);
  }
  return make;
}

/**
 * A view of a message over its parsed JSON (snake_case, as on the wire), with the app-model type.
 * JSON-object fields are parsed here; HeraldError `server_error` if one holds anything else.
 */
export function viewOf<T = Obj>(info: MessageInfo, raw: Obj): T {
  return viewMaker(info)(raw) as T;
}

const makersByKind: Record<string, ViewMaker | undefined> = Object.create(null);

const viewBody: BodyDecoder = (field, json) => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new HeraldError("bad_input", `envelope.${field.name}: expected an object, got ${typeof json}`, {
      serverCode: 3,
    });
  }
  let make = makersByKind[field.camel];
  if (make === undefined) {
    make = viewMaker(field.nested ?? messageInfo(field.type as MessageName));
    makersByKind[field.camel] = make;
  }
  return make(json as Obj);
};

/**
 * The JSON wire format, decoding each message as a view: the app model read lazily over the
 * parsed frame (see the top of src/protocol/message-view.ts). Handing a chat push to a listener
 * costs about half what `jsonCodec` costs. Views are read-only in spirit: their fields live on
 * the prototype, so `{ ...message }` copies nothing (use `message.toJSON()` for a plain copy),
 * and a field the server sent with a wrong type throws a HeraldError when it is read.
 * It can be passed as a Socket's `codec`; the package does not export it yet.
 */
export const lazyJsonCodec: Codec = {
  format: "json",
  binary: false,
  encodeEnvelope: encodeJsonEnvelope,
  decodeEnvelope: (frame, options = {}) => decodeJsonEnvelopeWith(frame, options, viewBody),
};
