// src/gen/wire.ts (messages as they travel, plus enums and encoder inputs) and src/gen/model.ts
// (messages as the SDK hands them to apps).
import {
  camel,
  doc,
  enumOf,
  enums,
  envelope,
  fieldsOf,
  header,
  isJsonObject,
  listOf,
  messages,
  optionalWhenDecoded,
  tsType,
} from "./proto.mjs";

const bodies = () => messages.filter((t) => t.name !== "Envelope");

/** `FRIEND_STATE_INVITE_SENT` of enum FriendState as `InviteSent`. */
function memberName(e, key) {
  const prefix = `${e.name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}_`;
  const short = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  return short
    .toLowerCase()
    .split("_")
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}

function enumTs(e) {
  const entries = Object.entries(e.values).map(
    ([k, v]) => `${doc(e.comments?.[k], "  ")}  ${memberName(e, k)}: ${v},`,
  );
  return `${doc(e.comment)}export const ${e.name} = {\n${entries.join("\n")}\n} as const;
export type ${e.name} = (typeof ${e.name})[keyof typeof ${e.name}];\n`;
}

function interfaceTs(t, mode) {
  const fields = fieldsOf(t);
  const generic = mode === "model" && fields.filter(isJsonObject).length === 1;
  const out = [
    `${doc(t.comment)}export interface ${generic ? `${t.name}<T extends object = JsonObject>` : t.name} {`,
  ];
  for (const f of fields) {
    let ty = generic && isJsonObject(f) ? "T" : tsType(f, mode);
    if (f.repeated && !f.map) ty = listOf(ty, false);
    out.push(`${doc(f.comment, "  ")}  ${camel(f.name)}${optionalWhenDecoded(f) ? "?" : ""}: ${ty};`);
  }
  out.push("}\n");
  return out.join("\n");
}

function initTs(t) {
  const out = [`/** What encoders accept for {@link ${t.name}}: every field optional. */`];
  out.push(`export interface ${t.name}Init {`);
  for (const f of fieldsOf(t)) {
    let ty = tsType(f, "init");
    if (f.repeated && !f.map) ty = listOf(ty, true);
    out.push(`${doc(f.comment, "  ")}  ${camel(f.name)}?: ${ty} | undefined;`);
  }
  out.push("}\n");
  return out.join("\n");
}

export function wireTs() {
  const oneof = envelope.oneofs.message.fieldsArray;
  const out = [
    header("types.mjs"),
    `// Messages as they travel: JSON-object fields are strings. Decoded messages have every list
// (as [] when empty) and every plain scalar (as its zero value); wrappers, timestamps and nested
// messages are undefined when absent. *Init types are what encoders accept: everything optional.
`,
  ];
  for (const e of enums) out.push(enumTs(e));
  for (const t of bodies()) out.push(interfaceTs(t, "wire"), initTs(t));
  out.push(`/** The message an envelope carries, by its camelCase oneof name. */
export interface EnvelopeMessages {
${oneof.map((f) => `  ${camel(f.name)}: ${f.resolvedType.name};`).join("\n")}
}

/** Encoder input for each envelope message. */
export interface EnvelopeMessageInits {
${oneof.map((f) => `  ${camel(f.name)}: ${f.resolvedType.name}Init;`).join("\n")}
}

export type EnvelopeKind = keyof EnvelopeMessages;

/**
 * A reply that only says "done": an envelope holding its request's cid and no message
 * (\`{"cid":"7"}\`), as servers answer status updates, unfollows and leaves.
 */
export interface EmptyReply {
  cid: string;
  kind: "empty";
  body: Record<string, never>;
}

/**
 * A realtime frame: \`kind\` names the message and \`body\` holds it. Requests carry a \`cid\`;
 * replies repeat it; server pushes have none.
 */
export type Envelope =
  | {
      [K in EnvelopeKind]: { cid?: string; kind: K; body: EnvelopeMessages[K] };
    }[EnvelopeKind]
  | EmptyReply;

/** What envelope encoders accept. */
export type EnvelopeInit =
  | {
      [K in EnvelopeKind]: { cid?: string | undefined; kind: K; body: EnvelopeMessageInits[K] };
    }[EnvelopeKind]
  | EmptyReply;

/** Decoded message types by name. */
export interface Messages {
${bodies()
  .map((t) => `  ${t.name}: ${t.name};`)
  .join("\n")}
}

/** Encoder inputs by message name. */
export interface MessageInits {
${bodies()
  .map((t) => `  ${t.name}: ${t.name}Init;`)
  .join("\n")}
}
`);
  return out.join("\n");
}

export function modelTs() {
  const used = new Set();
  for (const t of bodies()) for (const f of t.fieldsArray) if (enumOf(f)) used.add(enumOf(f).name);
  const out = [
    header("types.mjs"),
    `// Messages as the SDK hands them to apps: like wire.ts, but JSON-object fields are parsed.
`,
  ];
  if (used.size) out.push(`import type { ${[...used].sort().join(", ")} } from "./wire.js";\n`);
  out.push(`/** A parsed JSON object (chat content, metadata). */
export type JsonObject = Record<string, unknown>;
`);
  for (const t of bodies()) out.push(interfaceTs(t, "model"));
  out.push(`/** App-facing message types by name. */
export interface Models {
${bodies()
  .map((t) => `  ${t.name}: ${t.name};`)
  .join("\n")}
}
`);
  return out.join("\n");
}
