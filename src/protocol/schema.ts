import { type MessageName, messageSpecs } from "../gen/schema.js";

/** Field kinds of the generated tables (see the header of src/gen/schema.ts). */
export type FieldKind = "s" | "b" | "i" | "u" | "l" | "d" | "y" | "e" | "t" | "ws" | "wb" | "wi" | "M" | "m";

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
}

export interface MessageInfo {
  readonly name: MessageName;
  readonly fields: readonly FieldInfo[];
  /** Fields by snake_case and by camelCase name (input accepts both). */
  readonly byName: ReadonlyMap<string, FieldInfo>;
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
  const byName = new Map<string, FieldInfo>();
  for (const part of spec ? spec.split(",") : []) {
    const [fieldName = "", id = "0", rawKind = ""] = part.split(" ");
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
      id: Number(id),
      kind: kind as FieldKind,
      type,
      repeated,
      jsonObject,
    };
    fields.push(field);
    byName.set(field.name, field);
    byName.set(field.camel, field);
  }
  info = { name, fields, byName };
  cache.set(name, info);
  return info;
}

/** The value a decoded message holds for an absent field, or undefined where absence is kept. */
export function zeroValue(field: FieldInfo): unknown {
  if (field.repeated) return [];
  switch (field.kind) {
    case "s":
    case "l":
      return "";
    case "b":
      return false;
    case "i":
    case "u":
    case "d":
    case "e":
      return 0;
    case "y":
      return new Uint8Array(0);
    case "M":
      return {};
    default:
      return undefined;
  }
}
