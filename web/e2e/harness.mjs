// What the browser tests stand on: the local portal started on a free port with a fresh data
// folder, headless Chromium driven by playwright-core, and checks run on every page (axe-core,
// no sideways scrolling at 360 px, screenshots at phone and desktop widths).
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const require = createRequire(import.meta.url);
// Evaluated through DevTools rather than added as a <script>, which the app's CSP forbids.
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const SCREENSHOTS = resolve(root, process.env.PORTAL_SCREENSHOTS ?? "test-output/screenshots");
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
export const NARROW = { width: 360, height: 740 };

export const ADMIN = { email: "admin@portal.test", password: `Staff ${randomBytes(9).toString("base64url")} keys` };

/**
 * The local portal: `PORTAL_LOCAL_BIN` (infra/test builds it), else the debug build; `settings`
 * are more environment variables (PORTAL_DOWNLOAD_LIMIT_CERTIFICATE, say).
 */
export async function startPortal(settings = {}) {
  const bin = process.env.PORTAL_LOCAL_BIN ?? join(root, "target/debug/portal-local");
  const dataDir = mkdtempSync(join(tmpdir(), "portal-browser-"));
  const recordsKey = randomBytes(32).toString("base64url");
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      PORTAL_ADDR: "127.0.0.1:0",
      PORTAL_DATA_DIR: dataDir,
      PORTAL_WEB_DIR: process.env.PORTAL_WEB_DIR ?? join(root, "web/dist"),
      PORTAL_ADMIN_EMAIL: ADMIN.email,
      PORTAL_ADMIN_PASSWORD: ADMIN.password,
      PORTAL_RECORDS_API_KEY: recordsKey,
      PORTAL_ORG_NAME: "Example Awarding Body",
      PORTAL_SUPPORT_EMAIL: "help@awarding.example",
      PORTAL_SUPPORT_PHONE: "0300 123 4567",
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      ...settings,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const url = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`the portal did not start in 60 s:\n${out}\n${log}`)), 60_000);
    child.stdout.on("data", (d) => {
      out += d;
      const found = out.match(/running at (http:\/\/\S+)/);
      if (found) {
        clearTimeout(timer);
        ok(found[1]);
      }
    });
    child.on("exit", (code) => fail(new Error(`the portal exited with ${code}:\n${out}\n${log}`)));
  });
  return {
    url,
    log: () => log,
    async importLearners(learners) {
      await postJson(`${url}/api/records/learners`, { learners }, recordsKey);
    },
    async importCentres(centres) {
      await postJson(`${url}/api/records/centres`, { centres }, recordsKey);
    },
    /** Issues a job as the records system would; answers what it issued. */
    /**
     * An active learner account made through the API (registration is tested in its own journey):
     * the record holds the person's address, so the registration claims it at once.
     */
    async activeLearner(person, password) {
      await postJson(`${url}/api/records/learners`, { learners: [{ enrolment_number: person.enrolment, first_name: person.first, last_name: person.last, date_of_birth: person.dob, email: person.email }] }, recordsKey);
      await this.register({ kind: "learner", email: person.email, password, first_name: person.first, last_name: person.last, date_of_birth: person.dob, enrolment_number: person.enrolment });
    },
    /** An active third-party account made through the API. */
    async activeThirdParty(person, password) {
      await this.register({ kind: "third_party", email: person.email, password, first_name: person.first, last_name: person.last, company: person.company });
    },
    /**
     * An active centre user made through the API: `person.centre` is the number and name of a
     * centre already imported (importCentres); the centre's central address approves them by the
     * link e-mailed to it.
     */
    async activeCentreUser(person, password) {
      await this.register({ kind: "centre", email: person.email, password, first_name: person.first, last_name: person.last, centre_number: person.centre.number, centre_name: person.centre.name });
      const token = new URL(await this.centreApprovalLink(person.email)).searchParams.get("token");
      const approved = await fetch(`${url}/api/auth/centre-approval`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, decision: "approve" }) });
      assert.equal(approved.status, 200, await approved.text());
    },
    /** The approval link the centre's central address got for the person with this address. */
    async centreApprovalLink(personEmail) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const { items } = await (await fetch(`${url}/dev/mail.json`)).json();
        const found = items.filter((m) => m.text.includes(`(${personEmail})`) && m.text.includes("/centre-approval?token=")).at(-1);
        if (found) return linkIn(found, url);
        if (Date.now() > deadline) throw new Error(`no approval link for ${personEmail}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    /** Registers through the API and follows the e-mailed confirmation link. */
    async register(body) {
      const registered = await fetch(`${url}/api/auth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      assert.equal(registered.status, 202, await registered.text());
      const mail = await this.mail(body.email, /confirm/i);
      const token = new URL(linkIn(mail, url)).searchParams.get("token");
      const verified = await fetch(`${url}/api/auth/verify-email`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) });
      assert.equal(verified.status, 200, await verified.text());
    },
    async issueJob(job) {
      return postJson(`${url}/api/records/jobs`, job, recordsKey, 201);
    },
    /** The newest e-mail to `to` whose subject matches, waiting for delivery. */
    async mail(to, subject) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const res = await fetch(`${url}/dev/mail.json`);
        const { items } = await res.json();
        const found = items.filter((m) => m.to === to && subject.test(m.subject)).at(-1);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(`no e-mail to ${to} matching ${subject}; have: ${items.map((m) => `${m.to}: ${m.subject}`).join(" | ")}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function postJson(url, body, key, status = 200) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  const text = await res.text();
  assert.equal(res.status, status, `${url}: ${text}`);
  return JSON.parse(text);
}

/** The first link in an e-mail's text that starts with the portal's address. */
export function linkIn(mail, portalUrl) {
  const found = mail.text.match(new RegExp(`${portalUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\S+`));
  assert.ok(found, `no link in: ${mail.text}`);
  return found[0];
}

export async function startBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/** A fresh browser profile (no cookies) at phone size: the app is mobile-first. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: PHONE, locale: "en-GB", timezoneId: "Europe/London" });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.consoleErrors = errors;
  return page;
}

const checked = new Set();

/**
 * Every page is checked the same way: no axe-core violations (WCAG 2.x A and AA rules), nothing
 * wider than a 360 px screen, and screenshots at phone and desktop widths.
 */
export async function checkPage(page, name) {
  await page.waitForLoadState("networkidle");
  assert.deepEqual(page.consoleErrors, [], `script errors on ${name}`);
  const before = page.viewportSize();
  await page.setViewportSize(NARROW);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name}: ${overflow}px wider than a 360 px screen`);
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.evaluate(AXE_SOURCE);
  }
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize(size);
    const result = await page.evaluate(() =>
      window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } }),
    );
    const violations = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    assert.deepEqual(violations, [], `${name} at ${size.width}px has accessibility violations`);
    if (!checked.has(`${name}-${size.width}`)) {
      checked.add(`${name}-${size.width}`);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${size === PHONE ? "phone" : "desktop"}.png`), fullPage: true });
    }
  }
  await page.setViewportSize(before ?? PHONE);
}

/** Fills the field labelled `label` (optional fields' labels end in "(optional)"). */
export async function fill(page, label, value) {
  await field(page, label).fill(value);
}

export function field(page, label) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return page.getByLabel(new RegExp(`^${escaped}( \\(optional\\))?$`));
}

/** The code an authenticator app with this (base32) secret shows in TOTP step `step` (RFC 6238: HMAC-SHA1, 6 digits). */
export function totpAt(secret, step) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/[\s=]/g, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** The people's authenticator apps in this run: `${portal url} ${email}` → { secret, last step used, recovery codes }. */
export const authenticators = new Map();

/** Remembers the app someone set up (the secret the portal gave them). */
export function rememberApp(portal, email, secret, recoveryCodes = []) {
  authenticators.set(`${portal.url} ${email}`, { secret, last: 0, recoveryCodes });
}

/**
 * The next code of this person's app on the real clock: a step not used before (the portal
 * accepts each step once, and one step either side of now), waiting for the next step if need be.
 */
export async function nextCode(portal, email) {
  const app = authenticators.get(`${portal.url} ${email}`);
  assert.ok(app, `${email} has no authenticator app in this run`);
  let now = Math.floor(Date.now() / 30_000);
  const step = Math.max(app.last + 1, now - 1);
  while (step > now + 1) {
    await new Promise((r) => setTimeout(r, (now + 1) * 30_000 - Date.now() + 50));
    now = Math.floor(Date.now() / 30_000);
  }
  app.last = step;
  return totpAt(app.secret, step);
}

/**
 * Signs in through the page as a person does: the password, then the code from their app if they
 * have one; an administrator or centre user without one sets it up first, through its page.
 * A refused password leaves the page showing why.
 */
export async function signIn(page, portal, email, password) {
  await page.goto(`${portal.url}/login`);
  await fill(page, "E-mail address", email);
  await fill(page, "Password", password);
  const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/auth/login")), page.getByRole("button", { name: "Sign in" }).click()]);
  if (res.status() !== 200) return;
  const answer = await res.json();
  if (answer.mfa_required) {
    await page.getByLabel("Code from your app").fill(await nextCode(portal, email));
    await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/auth/mfa")), page.getByRole("button", { name: "Continue" }).click()]);
  } else if (answer.mfa_setup_required) {
    await setUpAppOnPage(page, portal, email);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL((u) => !u.pathname.startsWith("/setup-two-step"));
  }
}

/** On the set-up page (or the profile's): sets up an app, confirms it; leaves the recovery codes shown. */
export async function setUpAppOnPage(page, portal, email) {
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secret = (await page.locator("code.secret").textContent()).replace(/\s/g, "");
  rememberApp(portal, email, secret);
  await page.getByLabel("Code from your app").fill(await nextCode(portal, email));
  await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  await page.getByRole("heading", { name: "Your recovery codes" }).waitFor();
  const codes = await page.locator(".recovery-codes code").allTextContents();
  authenticators.get(`${portal.url} ${email}`).recoveryCodes = codes;
  return codes;
}

/** Signs in through the API for a bearer token: a caller of the API as that person (for what the journeys stand on). */
export async function apiAs(portal, email, password) {
  const post = async (path, body, token) => {
    const res = await fetch(`${portal.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body ?? {}) });
    const text = await res.text();
    assert.equal(res.status, 200, `${path}: ${text}`);
    return JSON.parse(text);
  };
  let answer = await post("/api/auth/login", { email, password, session: "token" });
  if (answer.mfa_required) {
    answer = await post("/api/auth/mfa", { mfa_token: answer.mfa_token, code: await nextCode(portal, email), session: "token" });
  }
  const token = answer.session_token;
  if (answer.mfa_setup_required) {
    // Administrators and centre users set up their second factor at their first sign-in.
    const setup = await post("/api/me/mfa/totp", {}, token);
    rememberApp(portal, email, setup.secret);
    const confirmed = await post("/api/me/mfa/totp/confirm", { code: await nextCode(portal, email) }, token);
    authenticators.get(`${portal.url} ${email}`).recoveryCodes = confirmed.recovery_codes;
  }
  return async (method, path, body, status = 200, headers = {}) => {
    const answer = await fetch(`${portal.url}${path}`, { method, headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await answer.text();
    assert.equal(answer.status, status, `${method} ${path}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** checkPage, and nothing wider than the page at 1280 px either (tables included). */
export async function checkWide(page, name) {
  await checkPage(page, name);
  const before = page.viewportSize();
  await page.setViewportSize(DESKTOP);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name}: ${overflow}px wider than a 1280 px screen`);
  await page.setViewportSize(before);
}

/** Follows a link of the main navigation to the page whose heading is `heading`. */
export async function go(page, link, heading) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).click();
  await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
}
