// Bundles the browser code with esbuild at setup (make setup -> npm run build).
// Output goes to web/build/, which is never committed; third-party code comes
// from node_modules at build time only.
import { build } from "esbuild";
import { existsSync } from "node:fs";

// One entry per page: the widget (one script tag on a store's site) and the
// two consoles. An entry whose source does not exist yet is skipped.
const entries = {
  widget: "widget/index.js",
  agent: "console/agent.js",
  marketing: "console/marketing.js",
  team: "console/team.js",
};

const present = Object.fromEntries(Object.entries(entries).filter(([, src]) => existsSync(src)));

await build({
  entryPoints: present,
  outdir: "build",
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  // CSS imported by an entry is inlined as text (the widget puts it in its shadow root).
  loader: { ".css": "text" },
  legalComments: "none",
  logLevel: "warning",
});
console.log(`built ${Object.keys(present).join(", ")} into web/build/`);
