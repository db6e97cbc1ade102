// Fails when src/api/schema.ts is not what functions/openapi.json generates today:
// the app's request and response types are never edited by hand. `npm run api-types` renews them.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "api-types-"));
try {
  const fresh = join(dir, "schema.ts");
  execFileSync(process.execPath, ["node_modules/openapi-typescript/bin/cli.js", "../functions/openapi.json", "--output", fresh], { stdio: "pipe" });
  const committed = readFileSync("src/api/schema.ts", "utf8");
  if (readFileSync(fresh, "utf8") !== committed) {
    console.error("web/src/api/schema.ts is stale: run `npm run api-types` in web/ and commit it.");
    process.exit(1);
  }
  console.log("web/src/api/schema.ts matches functions/openapi.json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
