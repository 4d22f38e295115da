#!/usr/bin/env node
// Sums vitest JSON reports (packages/*/.vitest/results.json, apps/*/.vitest/results.json)
// and prints CI's closing line: "N passed, N failed, N skipped".
// Exit 1 if any test failed, none passed, or no report was found.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let passed = 0, failed = 0, skipped = 0, reports = 0;

for (const group of ["packages", "apps"]) {
  const groupDir = join(root, group);
  if (!existsSync(groupDir)) continue;
  for (const name of readdirSync(groupDir).sort()) {
    const file = join(groupDir, name, ".vitest", "results.json");
    if (!existsSync(file)) continue;
    let r;
    try {
      r = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      console.log(`${group}/${name}: unreadable report ${relative(root, file)} (${e.message})`);
      failed += 1;
      continue;
    }
    reports += 1;
    const p = r.numPassedTests ?? 0;
    // A suite that failed to load has no failed tests but a failed test file.
    const f = (r.numFailedTests ?? 0) + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0);
    const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    passed += p; failed += f; skipped += s;
    console.log(`${group}/${name}: ${p} passed, ${f} failed, ${s} skipped`);
  }
}

if (reports === 0) console.log("no vitest report found");
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 || reports === 0 ? 1 : 0);
