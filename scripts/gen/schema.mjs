// src/gen/schema.ts: the compact field tables that drive both codecs, the REST mapping and the
// model conversion at run time.
import { envelope, fieldsOf, header, isJsonObject, kindOf, messages } from "./proto.mjs";

export function schemaTs() {
  const lines = [];
  for (const t of messages) {
    const specs = fieldsOf(t).map((f) => {
      let k = kindOf(f);
      if (f.repeated && !f.map) k = `*${k}`;
      if (isJsonObject(f)) k = `${k}!`;
      return `${f.name} ${f.id} ${k}`;
    });
    lines.push(`  ${t.name}: ${JSON.stringify(specs.join(","))},`);
  }
  const kinds = envelope.oneofs.message.fieldsArray.map((f) => f.name);
  return `${header("schema.mjs")}
// Field tables: "name number kind" per field, comma separated. Kinds: s string, b bool, i int32
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
