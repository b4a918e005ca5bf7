// src/gen/schema.ts: the compact field tables that drive both codecs, the REST mapping and the
// model conversion at run time.
import { envelope, fieldsOf, header, isJsonObject, kindOf, messages } from "./proto.mjs";

export function schemaTs() {
  const lines = [];
  for (const t of messages) {
    // Field numbers are written only where they do not follow the previous field's (the first
    // field's when it is not 1): most never are, and every browser bundle carries the tables.
    let previous = 0;
    const specs = fieldsOf(t).map((f) => {
      let k = kindOf(f);
      if (f.repeated && !f.map) k = `*${k}`;
      if (isJsonObject(f)) k = `${k}!`;
      const spec = f.id === previous + 1 ? `${f.name} ${k}` : `${f.name} ${k} ${f.id}`;
      previous = f.id;
      return spec;
    });
    lines.push(`  ${t.name}: ${JSON.stringify(specs.join(","))},`);
  }
  const kinds = envelope.oneofs.message.fieldsArray.map((f) => f.name);
  return `${header("schema.mjs")}
// Field tables: "name kind number" per field, comma separated, the number left out when it is the
// previous field's plus one (or 1 for the first field). Kinds: s string, b bool, i int32
// (or enum), t Timestamp, ws/wb/wi String/Bool/Int32Value, M map<string,string>, m:Type message;
// "*" before = repeated; "!" after = a JSON object held in a string.

/** Every message type, by name. */
export const messageSpecs = {
${lines.join("\n")}
} as const;

export type MessageName = keyof typeof messageSpecs;

/** The envelope's \`message\` oneof, in field-number order (snake_case, as on the JSON wire). */
export const envelopeKinds = ${JSON.stringify(kinds)} as const;
`;
}
