import { type MessageName, messageSpecs } from "../gen/schema.js";

/** Field kinds of the generated tables (see the header of src/gen/schema.ts). */
export type FieldKind = "s" | "b" | "i" | "t" | "ws" | "wb" | "wi" | "M" | "m";

export interface FieldInfo {
  /** proto (snake_case) name, as on the JSON wire. */
  readonly name: string;
  /** camelCase name, as in TypeScript objects. */
  readonly camel: string;
  readonly id: number;
  readonly kind: FieldKind;
  /** Message type of an `m` field. */
  readonly type: MessageName | undefined;
  readonly repeated: boolean;
  /** A string holding a JSON object. */
  readonly jsonObject: boolean;
  /** `kind` as a small integer (see `K`), for fast switches in the codecs. */
  readonly k: number;
  /** `"name":`, ready to write into JSON text. */
  readonly jsonKey: string;
  /** The parsed table of an `m` field's type, filled in on first use. */
  nested: MessageInfo | undefined;
}

/**
 * Integer codes of field kinds. An enum rather than an object: the bundler writes each use as its
 * number, so no table of codes ships.
 */
export enum K {
  s = 0,
  b = 1,
  i = 2,
  u = 3,
  l = 4,
  d = 5,
  y = 6,
  e = 7,
  t = 8,
  ws = 9,
  wb = 10,
  wi = 11,
  M = 12,
  m = 13,
}

/** The kinds in the order of their codes, to read a code from a table's letters. */
const KIND_LETTERS = "s b i u l d y e t ws wb wi M m".split(" ");

export interface MessageInfo {
  readonly name: MessageName;
  readonly fields: readonly FieldInfo[];
  /** Fields by snake_case and by camelCase name (input accepts both); a prototype-less object. */
  readonly lookup: Readonly<Record<string, FieldInfo | undefined>>;
  /** A decoded message with every field absent: zero values for lists, maps and plain scalars. */
  readonly template: Readonly<Record<string, unknown>>;
  /** Fields whose zero value is a fresh container ([] or {}) that must not be shared. */
  readonly containers: readonly FieldInfo[];
  /** Fields by field number (a sparse array), for binary decoding. */
  readonly byNumber: readonly (FieldInfo | undefined)[];
}

/** Same conversion protobufjs applies, so generated and runtime names agree. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const cache = new Map<string, MessageInfo>();

/** The parsed field table of a message type (parsed once, on first use). */
export function messageInfo(name: MessageName): MessageInfo {
  let info = cache.get(name);
  if (info) return info;
  const spec: string = messageSpecs[name];
  const fields: FieldInfo[] = [];
  const lookup: Record<string, FieldInfo | undefined> = Object.create(null);
  let previous = 0;
  for (const part of spec ? spec.split(",") : []) {
    // "name kind number", the number left out where it is the previous field's plus one.
    const [fieldName = "", rawKind = "", written] = part.split(" ");
    const id = written === undefined ? previous + 1 : Number(written);
    previous = id;
    let kind = rawKind;
    const repeated = kind.startsWith("*");
    if (repeated) kind = kind.slice(1);
    const jsonObject = kind.endsWith("!");
    if (jsonObject) kind = kind.slice(0, -1);
    let type: MessageName | undefined;
    if (kind.startsWith("m:")) {
      type = kind.slice(2) as MessageName;
      kind = "m";
    }
    const field: FieldInfo = {
      name: fieldName,
      camel: camelCase(fieldName),
      id,
      kind: kind as FieldKind,
      type,
      repeated,
      jsonObject,
      k: KIND_LETTERS.indexOf(kind),
      jsonKey: `${JSON.stringify(fieldName)}:`,
      nested: undefined,
    };
    fields.push(field);
    lookup[field.name] = field;
    lookup[field.camel] = field;
  }
  const template: Record<string, unknown> = {};
  const containers: FieldInfo[] = [];
  for (const field of fields) {
    const zero = zeroValue(field);
    if (zero === undefined) continue;
    template[field.camel] = zero;
    if (typeof zero === "object") containers.push(field);
  }
  const byNumber: (FieldInfo | undefined)[] = [];
  for (const field of fields) byNumber[field.id] = field;
  info = { name, fields, lookup, template, containers, byNumber };
  cache.set(name, info);
  for (const field of fields)
    if (field.type) field.nested = field.type === name ? info : messageInfo(field.type);
  return info;
}

/** The value a decoded message holds for an absent field, or undefined where absence is kept. */
export function zeroValue(field: FieldInfo): unknown {
  if (field.repeated) return [];
  switch (field.kind) {
    case "s":
      return "";
    case "b":
      return false;
    case "i":
      return 0;
    case "M":
      return {};
    default:
      return undefined;
  }
}
