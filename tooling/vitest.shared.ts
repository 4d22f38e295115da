// Shared vitest config. Each package's vitest.config.ts does:
//   import { defineConfig, mergeConfig } from "vitest/config";
//   import shared from "../../tooling/vitest.shared.ts";
//   export default mergeConfig(shared, defineConfig({ test: { /* overrides */ } }));
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** `@nabla/x` -> `<root>/<packages|apps>/x/src/index.ts`, so tests run on TS sources without a build. */
function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const group of ["packages", "apps"]) {
    const groupDir = join(repoRoot, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(groupDir, entry.name);
      const pkgJson = join(dir, "package.json");
      const entryTs = join(dir, "src", "index.ts");
      if (!existsSync(pkgJson) || !existsSync(entryTs)) continue;
      const name = (JSON.parse(readFileSync(pkgJson, "utf8")) as { name?: string }).name;
      if (!name?.startsWith("@nabla/")) continue;
      const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      aliases.push({ find: new RegExp(`^${escaped}$`), replacement: entryTs });
    }
  }
  return aliases;
}

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    pool: "forks",
    testTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
  },
});
