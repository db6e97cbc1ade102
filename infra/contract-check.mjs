// The API as a contract (issue 16): schemathesis generates requests from functions/openapi.json
// and sends them to a local portal as an administrator and as a learner. It fails on any 5xx, on
// any schema-valid request refused, and on any answer that breaks its declared schema.
//
//     node infra/contract-check.mjs        (needs target/debug/portal-local and .venv/bin/st)
//
// PORTAL_LOCAL_BIN and ST override the two paths; CONTRACT_MAX_EXAMPLES (default 10) bounds the
// requests per operation. Generation is deterministic (no seed), so a run repeats.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN, nextCode, rememberApp, startPortal } from "../web/e2e/harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const st = process.env.ST ?? join(root, ".venv/bin/st");
const maxExamples = process.env.CONTRACT_MAX_EXAMPLES ?? "10";

// Operations that would end the session the run is using or lock its account out; each has its
// own journey tests.
const EXCLUDED_PATHS = [
  "/api/auth/logout",
  "/api/me/password",
  "/api/me/mfa",
  "/api/admin/users/{id}/lock",
  "/api/admin/users/{id}/mfa/reset",
];

/** A bearer session for this person, with the second factor set up when their kind needs one. */
async function bearer(portal, email, password) {
  const post = async (path, body, token) => {
    const answer = await fetch(`${portal.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    if (!answer.ok) throw new Error(`${path}: ${answer.status} ${await answer.text()}`);
    return answer.json();
  };
  const answer = await post("/api/auth/login", { email, password, session: "token" });
  if (answer.mfa_setup_required) {
    const setup = await post("/api/me/mfa/totp", {}, answer.session_token);
    rememberApp(portal, email, setup.secret);
    await post("/api/me/mfa/totp/confirm", { code: await nextCode(portal, email) }, answer.session_token);
  }
  return answer.session_token;
}

function schemathesis(portal, who, token) {
  const args = [
    "run", join(root, "functions/openapi.json"),
    "--url", portal.url,
    "--header", `Authorization: Bearer ${token}`,
    "--checks", "not_a_server_error,positive_data_acceptance,response_schema_conformance,status_code_conformance",
    "--max-examples", maxExamples,
    "--generation-deterministic",
    "--workers", "2",
    "--request-timeout", "10",
    "--output-sanitize", "true",
    ...EXCLUDED_PATHS.flatMap((path) => ["--exclude-path", path]),
  ];
  console.log(`$ st run functions/openapi.json --url ${portal.url} (as ${who}) ...`);
  // schemathesis keeps what it found under its working directory: test-output/, which git ignores.
  const cwd = join(root, "test-output");
  mkdirSync(cwd, { recursive: true });
  return spawnSync(st, args, { stdio: "inherit", cwd }).status;
}

const portal = await startPortal();
let failed = false;
try {
  const password = `Contract ${randomBytes(9).toString("base64url")} check`;
  const learner = { email: "learner@portal.test", first: "Grace", last: "Hopper", dob: "1990-12-09", enrolment: "CONTRACT1" };
  await portal.activeLearner(learner, password);
  for (const [who, token] of [
    ["an administrator", await bearer(portal, ADMIN.email, ADMIN.password)],
    ["a learner", await bearer(portal, learner.email, password)],
  ]) {
    if (schemathesis(portal, who, token) !== 0) failed = true;
  }
} finally {
  await portal.stop();
}
process.exit(failed ? 1 : 0);
