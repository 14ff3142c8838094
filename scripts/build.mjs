// Builds the app bundle (dist/app.js), one bundle per action (actions/<name>/dist/index.js,
// committed so `uses:` works) and the JSON Schema editors use to check shipline.yml.
import { build } from "esbuild";
import { readdirSync, existsSync, writeFileSync, mkdirSync, readFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const outRoot = process.argv[2] ?? root; // a second root lets a test build elsewhere and compare
const common = { bundle: true, platform: "node", format: "esm", minify: true, sourcemap: true, logLevel: "warning" };
// CommonJS dependencies bundled into ESM still call require(); give them one.
const banner = { js: "import { createRequire as __shiplineRequire } from 'node:module'; const require = __shiplineRequire(import.meta.url);" };

await build({
  ...common,
  entryPoints: [join(root, "app/main.ts")],
  outfile: join(outRoot, "dist/app.js"),
  target: "node20",
  // The app runs where its node_modules are installed; only our code is bundled.
  packages: "external",
});
// The Dockerfile's build stage needs the app alone (no emulator, actions or schema).
if (process.env.SHIPLINE_BUILD === "app") {
  console.log("built dist/app.js");
  process.exit(0);
}

// The demo and the bench run the emulator (test/emulator) and the app; they need the dev dependencies.
for (const script of ["demo", "bench"]) {
  await build({
    ...common,
    minify: false,
    entryPoints: [join(root, `scripts/${script}.ts`)],
    outfile: join(outRoot, `dist/${script}.js`),
    target: "node20",
    packages: "external",
  });
}

const actionsDir = join(root, "actions");
const actions = existsSync(actionsDir) ? readdirSync(actionsDir).filter((name) => existsSync(join(actionsDir, name, "index.ts"))) : [];

// @actions/github sends every request through undici's fetch, with a dispatcher only when an
// HTTP proxy is configured; undici is three quarters of a bundle. Without a dispatcher that is
// the engine of Node's own fetch, so the actions use it, and load the real undici (built once
// into actions/lib/undici.cjs) only for a proxy. These are the names the toolkit imports.
const lazyUndici = {
  name: "lazy-undici",
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: "undici", namespace: "lazy-undici" }));
    b.onLoad({ filter: /.*/, namespace: "lazy-undici" }, () => ({
      loader: "js",
      contents: [
        "let real; const load = () => (real ??= require(__shiplineUndiciPath));",
        "exports.fetch = (url, options) => (options && options.dispatcher ? load().fetch(url, options) : globalThis.fetch(url, options));",
        "exports.ProxyAgent = function ProxyAgent(...args) { return new (load().ProxyAgent)(...args); };",
      ].join("\n"),
    }));
  },
};
// Shipline's actions call only octokit.request and octokit.graphql (shared/github/gateway.ts), so the
// REST method table @actions/github attaches (83 KB, parsed at every start) is left out; a
// use of octokit.rest fails loudly instead of silently.
const noRestMethods = {
  name: "no-rest-methods",
  setup(b) {
    b.onResolve({ filter: /^@octokit\/plugin-rest-endpoint-methods$/ }, () => ({ path: "rest", namespace: "no-rest-methods" }));
    b.onLoad({ filter: /.*/, namespace: "no-rest-methods" }, () => ({
      loader: "js",
      contents: [
        "const fail = () => { throw new Error('octokit.rest is not bundled in Shipline actions: use octokit.request'); };",
        "const methods = () => ({ rest: new Proxy({}, { get: fail }) });",
        "export const restEndpointMethods = methods; export const legacyRestEndpointMethods = methods;",
      ].join("\n"),
    }));
  },
};
// PostgreSQL's parser (libpg_query, 1.7 MB of WASM) and PGlite (PostgreSQL in-process, 15 MB)
// are loaded by the migrate action only when it runs, from actions/lib, so they weigh on no
// bundle and no start-up.
const LAZY_LIBS = { "libpg-query": "../../lib/pg-parser/index.cjs", "@electric-sql/pglite": "../../lib/pglite/index.mjs" };
const lazyLibs = {
  name: "lazy-libs",
  setup(b) {
    b.onResolve({ filter: /^(libpg-query|@electric-sql\/pglite)$/ }, (args) => ({ path: LAZY_LIBS[args.path], external: true }));
  },
};
// The config parser (the zod schema and YAML, 500 KB) is imported dynamically by the
// release-notes action only when the repository has a .github/shipline.yml.
const lazyConfig = {
  name: "lazy-config",
  setup(b) {
    b.onResolve({ filter: /shared\/config\/load\.js$/ }, (args) => (args.kind === "dynamic-import" ? { path: "../../lib/config.mjs", external: true } : undefined));
    // The deploy action's gate pre-flight (the same parser, the facts) likewise.
    b.onResolve({ filter: /shared\/gates\/preflight\.js$/ }, (args) => (args.kind === "dynamic-import" ? { path: "../../lib/preflight.mjs", external: true } : undefined));
  },
};
if (actions.length > 0) {
  await build({ ...common, entryPoints: [join(root, "shared/config/load.ts")], outfile: join(outRoot, "actions/lib/config.mjs"), target: "node20", banner, legalComments: "none", sourcemap: false });
  await build({ ...common, entryPoints: [join(root, "shared/gates/preflight.ts")], outfile: join(outRoot, "actions/lib/preflight.mjs"), target: "node20", banner, legalComments: "none", sourcemap: false });
  await build({ ...common, entryPoints: [join(root, "node_modules/libpg-query/wasm/index.cjs")], outfile: join(outRoot, "actions/lib/pg-parser/index.cjs"), format: "cjs", target: "node20", legalComments: "none", sourcemap: false });
  copyFileSync(join(root, "node_modules/libpg-query/wasm/libpg-query.wasm"), join(outRoot, "actions/lib/pg-parser/libpg-query.wasm"));
  await build({ ...common, entryPoints: ["@electric-sql/pglite"], outfile: join(outRoot, "actions/lib/pglite/index.mjs"), target: "node20", banner, legalComments: "none", sourcemap: false, logLevel: "error" });
  for (const file of ["pglite.wasm", "initdb.wasm", "pglite.data"]) copyFileSync(join(root, "node_modules/@electric-sql/pglite/dist", file), join(outRoot, "actions/lib/pglite", file));
  await build({ ...common, entryPoints: ["undici"], outfile: join(outRoot, "actions/lib/undici.cjs"), format: "cjs", target: "node20", legalComments: "none", sourcemap: false });
  // The artifact client (1.7 MB with Azure's storage SDK) is imported by the build action only
  // on a runner that offers the artifact service.
  await build({ ...common, entryPoints: ["@actions/artifact"], outfile: join(outRoot, "actions/lib/artifact.mjs"), target: "node20", banner, legalComments: "none", sourcemap: false, logLevel: "error" });
}
for (const name of actions) {
  await build({
    ...common,
    entryPoints: [join(actionsDir, name, "index.ts")],
    outfile: join(outRoot, "actions", name, "dist/index.js"),
    target: "node20",
    banner: { js: `${banner.js} const __shiplineUndiciPath = new URL("../../lib/undici.cjs", import.meta.url).pathname;` },
    plugins: [lazyUndici, noRestMethods, lazyLibs, lazyConfig],
    // node-postgres' optional native binding and its Cloudflare socket are never used here.
    external: ["pg-native", "cloudflare:sockets"],
    legalComments: "none",
  });
}

// The umbrella action.yml at the root: `run:` plus every routed action's inputs, generated
// from their own action.yml so the two can never disagree.
{
  const { parse, stringify } = await import("yaml");
  const routed = actions.filter((name) => name !== "umbrella" && existsSync(join(actionsDir, name, "action.yml")));
  const inputs = { run: { description: `Which Shipline action to run: ${routed.join(", ")}.`, required: true } };
  const outputs = {};
  /** input -> each declaring action's description and default (undefined when it has none). */
  const declared = new Map();
  for (const name of routed) {
    const manifest = parse(readFileSync(join(actionsDir, name, "action.yml"), "utf8"));
    for (const [key, value] of Object.entries(manifest.inputs ?? {})) {
      if (!declared.has(key)) declared.set(key, []);
      declared.get(key).push({ action: name, description: value.description, default: value.default });
    }
    for (const [key, value] of Object.entries(manifest.outputs ?? {})) outputs[key] = { description: `(${name}) ${value.description}` };
  }
  for (const [key, uses] of declared) {
    // Nothing is required here: `run: deploy` must not ask for build's `path`. Each action's
    // own schema still requires its inputs and applies its defaults, so a default is kept here
    // only when every action that reads the input has that same one (the test action's
    // `name: Tests` would otherwise name build's artifact).
    const defaults = new Set(uses.map((u) => u.default));
    const shared = defaults.size === 1 && uses.length > 0 ? uses[0].default : undefined;
    inputs[key] = {
      description: uses.map((u) => `(${u.action}) ${u.description}`).join(" / "),
      required: false,
      ...(shared === undefined ? {} : { default: shared }),
    };
  }
  const doc = {
    name: "Shipline",
    // The Marketplace refuses descriptions of 125 characters or more.
    description: "Continuous delivery for GitHub: build, test, migrate, deploy and release notes, picked by run:.",
    author: "Shipline",
    branding: { icon: "send", color: "green" },
    inputs,
    outputs,
    runs: { using: "node24", main: "actions/umbrella/dist/index.js" },
  };
  writeFileSync(join(outRoot, "action.yml"), `# Generated by npm run build from actions/*/action.yml: uses: <owner>/shipline@<sha> with run: <action>.\n${stringify(doc, { lineWidth: 0 })}`);
}

// The schema is generated from the same zod schema that parses the file.
const { outputFiles } = await build({ ...common, minify: false, sourcemap: false, write: false, entryPoints: [join(root, "shared/config/json-schema.ts")] });
const { configJsonSchema, JSON_SCHEMA_PATH } = await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString("base64")}`);
mkdirSync(join(outRoot, "schema"), { recursive: true });
writeFileSync(join(outRoot, JSON_SCHEMA_PATH), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`built dist/app.js, dist/demo.js, dist/bench.js, ${actions.length} action bundle(s), schema/shipline.schema.json`);
