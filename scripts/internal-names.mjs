// The package's internal property names: those the build may rename (shorten) in dist/.
//
// esbuild renames properties by name, everywhere in a build, so a name is safe only if every one of
// its uses is internal. The TypeScript checker decides it, over every source file that dist/ ships:
//
// - Public names: every property of every type reachable from the package's entry points (what
//   their exports are, take, return or hold, transitively). Never renamed.
// - A name is internal when each of its property occurrences (declarations, accesses, object
//   literal keys, destructuring) resolves to a member declared in a class, interface or type literal
//   of the package's own .ts sources that is not public. An occurrence the checker cannot tie to
//   such a declaration (an `any` receiver, an untyped object literal, a platform or dependency type)
//   makes the name unsafe: such objects may be serialized, reached by string or handed to others.
// - A name written anywhere as a string ("name", `name`), or as a field of the wire schema, is
//   never renamed: wire keys and names reached by string keep their spelling.
// - Only members declared in the SDK's own files (what the browser entries bundle) are renamed: the
//   server's names weigh nothing in an app's bundle.
// - A name that platform or dependency declarations use for a member, or that appears in a type the
//   code asserts onto a value it did not make (`JSON.parse(...) as T`, `globalThis as { x }`), keeps
//   its spelling: such types describe objects made elsewhere.
//
// `internalNames()` returns the sorted names; `checkNames()` fails the build if a name esbuild
// renamed is public, a wire name or not in that list.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Public entry points, as in the package's exports map. */
const ENTRY_POINTS = [
  "src/index.ts",
  "src/protobuf.ts",
  "src/presence/index.ts",
  "src/resilience/index.ts",
  "src/react/index.ts",
  "src/server/index.ts",
  "src/testing/index.ts",
  "src/server/cli.ts",
];

/** Entry points a browser app bundles: the SDK, whose names are worth shortening. */
const BROWSER_ENTRY_POINTS = [
  "src/index.ts",
  "src/protobuf.ts",
  "src/presence/index.ts",
  "src/react/index.ts",
];

/**
 * Analyses the sources of dist/ (tsconfig.build.json) and returns the names safe to rename, with
 * the public and string names for the collision check.
 */
export function internalNames(repo) {
  const configFile = path.join(repo, "tsconfig.build.json");
  const config = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
  );
  if (!config) throw new Error("internal names: cannot read tsconfig.build.json");
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const checker = program.getTypeChecker();
  const src = path.join(repo, "src") + path.sep;
  const sources = program
    .getSourceFiles()
    .filter((file) => path.resolve(file.fileName).startsWith(src) && !file.isDeclarationFile);
  const isOwnDeclaration = (decl) => {
    const file = decl.getSourceFile();
    return path.resolve(file.fileName).startsWith(src) && !file.isDeclarationFile;
  };

  // ---------- public names: properties of every type reachable from the entry points ----------
  const publicNames = new Set();
  const seenTypes = new Set();
  const queue = [];
  // A worklist, not recursion: generic types instantiate each other deeply.
  const visitType = (type) => {
    if (type && !seenTypes.has(type)) {
      seenTypes.add(type);
      queue.push(type);
    }
  };
  const isOwnType = (type) => {
    const decls = type.symbol?.declarations ?? type.aliasSymbol?.declarations ?? [];
    return decls.length === 0 || decls.some(isOwnDeclaration);
  };
  const expand = (type) => {
    if (type.isUnionOrIntersection()) for (const t of type.types) visitType(t);
    if (type.aliasTypeArguments) for (const t of type.aliasTypeArguments) visitType(t);
    if (!(type.flags & ts.TypeFlags.Object)) return;
    if (type.objectFlags & ts.ObjectFlags.Reference)
      for (const t of checker.getTypeArguments(type)) visitType(t);
    // Platform and dependency types (Promise, Map, AbortSignal, ...) bring their type arguments
    // only: their own members are theirs, and none of the package's code declares them.
    if (!isOwnType(type)) return;
    for (const prop of checker.getPropertiesOfType(type)) {
      // `private` members are no API (#private ones are not properties at all); `protected` ones
      // are, for an app's subclasses.
      const flags = prop.valueDeclaration ? ts.getCombinedModifierFlags(prop.valueDeclaration) : 0;
      if (flags & ts.ModifierFlags.Private) continue;
      const declName = prop.valueDeclaration && ts.getNameOfDeclaration(prop.valueDeclaration);
      if (declName && ts.isPrivateIdentifier(declName)) continue;
      publicNames.add(prop.getName());
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (decl) visitType(checker.getTypeOfSymbolAtLocation(prop, decl));
    }
    for (const kind of [ts.SignatureKind.Call, ts.SignatureKind.Construct]) {
      for (const sig of checker.getSignaturesOfType(type, kind)) visitSignature(sig);
    }
    for (const info of checker.getIndexInfosOfType(type)) visitType(info.type);
    if (type.isClassOrInterface()) for (const base of checker.getBaseTypes(type) ?? []) visitType(base);
    if (type.symbol && type.symbol.flags & ts.SymbolFlags.Class) {
      // The class's static side (the constructor and its statics).
      const decl = type.symbol.valueDeclaration;
      if (decl) visitType(checker.getTypeOfSymbolAtLocation(type.symbol, decl));
    }
  };
  const visitSignature = (sig) => {
    for (const p of sig.getParameters()) {
      const decl = p.valueDeclaration ?? p.declarations?.[0];
      if (decl) visitType(checker.getTypeOfSymbolAtLocation(p, decl));
    }
    visitType(sig.getReturnType());
    for (const tp of sig.getTypeParameters() ?? []) {
      const constraint = tp.getConstraint();
      if (constraint) visitType(constraint);
    }
  };
  for (const entry of ENTRY_POINTS) {
    const file = program.getSourceFile(path.join(repo, entry));
    if (!file) throw new Error(`internal names: ${entry} is not in tsconfig.build.json`);
    const moduleSymbol = checker.getSymbolAtLocation(file);
    for (let symbol of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      publicNames.add(symbol.getName());
      if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (!decl) continue;
      if (symbol.flags & (ts.SymbolFlags.Type | ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
        visitType(checker.getDeclaredTypeOfSymbol(symbol));
      }
      if (symbol.flags & ts.SymbolFlags.Value) visitType(checker.getTypeOfSymbolAtLocation(symbol, decl));
    }
  }
  while (queue.length) expand(queue.pop());

  // ---------- the SDK's files: what browser entries bundle ----------
  const coreFiles = new Set();
  const pending = BROWSER_ENTRY_POINTS.map((entry) => program.getSourceFile(path.join(repo, entry)));
  while (pending.length) {
    const file = pending.pop();
    if (!file || coreFiles.has(file)) continue;
    coreFiles.add(file);
    for (const statement of file.statements) {
      const specifier = statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier)) continue;
      const target = checker.getSymbolAtLocation(specifier)?.valueDeclaration?.getSourceFile();
      if (target && !target.isDeclarationFile) pending.push(target);
    }
  }

  // ---------- names platform and dependency types declare ----------
  // Every member a declaration file (the platform's lib, @types, dependencies) declares: the
  // package's own types may describe such objects structurally, without saying so.
  const foreignNames = new Set();
  for (const file of program.getSourceFiles()) {
    if (!file.isDeclarationFile) continue;
    const visit = (node) => {
      if (
        (ts.isPropertySignature(node) ||
          ts.isMethodSignature(node) ||
          ts.isPropertyDeclaration(node) ||
          ts.isMethodDeclaration(node) ||
          ts.isGetAccessorDeclaration(node) ||
          ts.isSetAccessorDeclaration(node) ||
          ts.isEnumMember(node)) &&
        node.name &&
        (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))
      ) {
        foreignNames.add(node.name.text);
      } else if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
        // Globals (`var crypto: Crypto`) are properties of globalThis.
        foreignNames.add(node.name.text);
      } else if (ts.isFunctionDeclaration(node) && node.name) {
        foreignNames.add(node.name.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  // ---------- shapes of objects made elsewhere ----------
  // A type the code asserts onto a value it cannot type itself (`JSON.parse(...) as T`, a platform
  // global or a dependency's object `as { field }`), or declares for such a value
  // (`const x: T = JSON.parse(...)`), describes an object the package did not make: the names in
  // it keep their spelling.
  const assertedNames = new Set();
  const isForeignValue = (type) => {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
    if (type.isUnionOrIntersection()) return type.types.some(isForeignValue);
    const decls = type.symbol?.declarations ?? [];
    return !!(type.flags & ts.TypeFlags.Object) && !decls.some(isOwnDeclaration);
  };
  const addTypeNames = (typeNode, file) => {
    for (const word of typeNode.getText(file).match(/[A-Za-z_$][\w$]*/g) ?? []) assertedNames.add(word);
    const seen = new Set();
    const add = (type) => {
      if (seen.has(type)) return;
      seen.add(type);
      if (type.isUnionOrIntersection()) for (const t of type.types) add(t);
      for (const prop of checker.getPropertiesOfType(type)) {
        assertedNames.add(prop.getName());
        const decl = prop.valueDeclaration ?? prop.declarations?.[0];
        if (decl && isOwnDeclaration(decl)) add(checker.getTypeOfSymbolAtLocation(prop, decl));
      }
    };
    add(checker.getTypeFromTypeNode(typeNode));
  };
  for (const file of sources) {
    const visit = (node) => {
      if (
        (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) &&
        isForeignValue(checker.getTypeAtLocation(node.expression))
      ) {
        addTypeNames(node.type, file);
      } else if (
        (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isPropertyDeclaration(node)) &&
        node.type &&
        node.initializer &&
        isForeignValue(checker.getTypeAtLocation(node.initializer))
      ) {
        addTypeNames(node.type, file);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  // ---------- names written as strings, and wire names ----------
  const stringNames = new Set();
  const identifier = /^[A-Za-z_$][\w$]*$/;
  for (const file of sources) {
    const visit = (node) => {
      if (
        (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
        identifier.test(node.text)
      ) {
        stringNames.add(node.text);
      } else if (ts.isTemplateExpression(node)) {
        // `${a}.name`: any word in a template's text parts may name a property.
        for (const text of [node.head.text, ...node.templateSpans.map((s) => s.literal.text)]) {
          for (const word of text.match(/[A-Za-z_$][\w$]*/g) ?? []) stringNames.add(word);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  const protoDir = path.join(repo, "proto");
  for (const entry of readdirSync(protoDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".proto")) continue;
    const text = readFileSync(path.join(entry.parentPath, entry.name), "utf8");
    for (const word of text.match(/[A-Za-z_][\w]*/g) ?? []) {
      stringNames.add(word);
      stringNames.add(word.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()));
    }
  }

  // ---------- every property occurrence, internal or not ----------
  const internalDecl = (decl) => {
    if (!isOwnDeclaration(decl) || !coreFiles.has(decl.getSourceFile())) return false;
    const parent = decl.parent;
    return (
      ts.isClassDeclaration(parent) ||
      ts.isClassExpression(parent) ||
      ts.isInterfaceDeclaration(parent) ||
      ts.isTypeLiteralNode(parent)
    );
  };
  const safe = new Map(); // name -> still safe?
  const mark = (name, ok) => safe.set(name, (safe.get(name) ?? true) && ok);
  const symbolOk = (symbol) => {
    if (!symbol) return false;
    if (symbol.flags & ts.SymbolFlags.Alias) return false;
    // A union or mapped type's property: look through to the members it came from.
    const roots = checker.getRootSymbols(symbol);
    const decls = roots.flatMap((s) => s.declarations ?? []);
    return decls.length > 0 && decls.every(internalDecl);
  };
  for (const file of sources) {
    const visit = (node) => {
      if (ts.isPropertyAccessExpression(node) && !ts.isPrivateIdentifier(node.name)) {
        mark(node.name.text, symbolOk(checker.getSymbolAtLocation(node.name)));
      } else if (
        (ts.isPropertyDeclaration(node) ||
          ts.isMethodDeclaration(node) ||
          ts.isGetAccessorDeclaration(node) ||
          ts.isSetAccessorDeclaration(node) ||
          ts.isPropertySignature(node) ||
          ts.isMethodSignature(node) ||
          ts.isPropertyAssignment(node) ||
          ts.isShorthandPropertyAssignment(node)) &&
        node.name &&
        ts.isIdentifier(node.name)
      ) {
        let ok;
        if (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) {
          // An object literal key counts as internal only where the literal is typed by an
          // internal declaration.
          const contextual = checker.getContextualType(node.parent);
          const prop =
            contextual && checker.getPropertyOfType(checker.getNonNullableType(contextual), node.name.text);
          ok = symbolOk(prop);
        } else {
          ok = symbolOk(checker.getSymbolAtLocation(node.name));
        }
        mark(node.name.text, ok);
      } else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
        const key = node.propertyName ?? node.name;
        if (ts.isIdentifier(key)) {
          const type = checker.getTypeAtLocation(node.parent);
          mark(key.text, symbolOk(type && checker.getPropertyOfType(type, key.text)));
        }
      } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
        mark(node.argumentExpression.text, false);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  const names = [...safe]
    .filter(
      ([name, ok]) =>
        ok &&
        !publicNames.has(name) &&
        !stringNames.has(name) &&
        !foreignNames.has(name) &&
        !assertedNames.has(name),
    )
    .map(([name]) => name)
    .sort();
  return { names, publicNames: [...publicNames].sort(), stringNames: [...stringNames].sort() };
}

/** Public API names the walk must find; if it misses one, the walk is broken and renaming unsafe. */
const KNOWN_PUBLIC = [
  "createSocket",
  "writeChatMessage",
  "channelId",
  "messageId",
  "refreshToken",
  "serverCode",
];

/**
 * Throws unless the renamed names (`renamed`, what esbuild's mangle cache says it renamed) are all
 * internal: none public, none a wire name or a name written as a string.
 */
export function checkNames(analysis, renamed) {
  const publicNames = new Set(analysis.publicNames);
  const stringNames = new Set(analysis.stringNames);
  const missing = KNOWN_PUBLIC.filter((name) => !publicNames.has(name));
  if (missing.length) throw new Error(`internal names: the public API walk missed ${missing.join(", ")}`);
  const allowed = new Set(analysis.names);
  const clashes = renamed.filter(
    (name) => !allowed.has(name) || publicNames.has(name) || stringNames.has(name),
  );
  if (clashes.length)
    throw new Error(`renamed names that are public, wire or unknown: ${clashes.join(", ")}`);
}

/**
 * `internalNames(repo)`, remembered in `cacheDir` for sources it has seen (the analysis type-checks
 * the whole package, several seconds).
 */
export function cachedInternalNames(repo, cacheDir) {
  const hash = createHash("sha256");
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(ts.version);
  for (const file of ["tsconfig.json", "tsconfig.build.json", "package.json"]) {
    hash.update(readFileSync(path.join(repo, file)));
  }
  for (const dir of ["src", "proto"]) {
    const files = readdirSync(path.join(repo, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
    for (const file of files) hash.update(`${path.relative(repo, file)}\0`).update(readFileSync(file));
  }
  const file = path.join(cacheDir, `herald-internal-names-${hash.digest("hex").slice(0, 16)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const analysis = internalNames(repo);
  mkdirSync(cacheDir, { recursive: true });
  const temporary = `${file}.${process.pid}`;
  writeFileSync(temporary, JSON.stringify(analysis));
  renameSync(temporary, file);
  return analysis;
}
