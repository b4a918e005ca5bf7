#!/usr/bin/env node
// `npm run gen`: generates everything under src/gen/ from proto/, one emitter per output:
//
//   src/gen/schema.ts  compact field tables that drive the JSON and protobuf codecs (gen/schema.mjs)
//   src/gen/wire.ts    enums and the TypeScript types of every message as it travels (gen/types.mjs)
//   src/gen/model.ts   the same messages as the SDK hands them to apps (gen/types.mjs)
//   src/gen/routes.ts  the REST route table, shared by the SDK's Client and the bundled server (gen/routes.mjs)
//   src/gen/client.ts  the Client's REST methods: their types and how they take arguments (gen/client.mjs)
//
// Generated files hold data and types only; the code that reads them lives in src/.
// `npm run gen -- --check` regenerates into memory and fails if any checked-in file differs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { clientTs } from "./gen/client.mjs";
import { repo } from "./gen/proto.mjs";
import { routesTs } from "./gen/routes.mjs";
import { schemaTs } from "./gen/schema.mjs";
import { modelTs, wireTs } from "./gen/types.mjs";

const genDir = path.join(repo, "src", "gen");
const check = process.argv.includes("--check");

const files = {
  "schema.ts": schemaTs(),
  "wire.ts": wireTs(),
  "model.ts": modelTs(),
  "routes.ts": routesTs(),
  "client.ts": clientTs(),
};

// Format the output with the project's formatter so the checked-in files are stable.
const tmp = mkdtempSync(path.join(tmpdir(), "herald-gen-"));
try {
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(tmp, name);
    writeFileSync(p, text);
    execFileSync(
      path.join(repo, "node_modules", ".bin", "biome"),
      ["check", "--write", "--linter-enabled=false", `--config-path=${repo}`, p],
      { stdio: "ignore" },
    );
    files[name] = readFileSync(p, "utf8");
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

let drift = 0;
for (const [name, text] of Object.entries(files)) {
  const target = path.join(genDir, name);
  let current = null;
  try {
    current = readFileSync(target, "utf8");
  } catch {}
  if (current === text) continue;
  if (check) {
    console.error(`src/gen/${name} differs from what \`npm run gen\` makes of proto/`);
    drift++;
  } else {
    writeFileSync(target, text);
    console.log(`wrote src/gen/${name}`);
  }
}
if (check && drift) {
  console.error("Run `npm run gen` and commit the result.");
  process.exit(1);
}
if (check) console.log("src/gen/ matches proto/");
