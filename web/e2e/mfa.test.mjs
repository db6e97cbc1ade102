// Two-step sign-in through the pages (ACC-3b): the first administrator sets it up at first
// sign-in (nothing else opens until then); a learner sets it up from the profile, signs in with a
// code and with a recovery code, and turns it off; an administrator resets a person's second
// factor. Every page visited is checked by checkPage (axe at 360 px and 1280 px).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, authenticators, checkPage, checkWide, fill, newPage, nextCode, rememberApp, setUpAppOnPage, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;

const GRACE = { first: "Grace", last: "Hopper", dob: "1990-12-09", enrolment: "ENR-3001", email: "grace@learners.test" };
const PASSWORD = "violet tram quietly harbour";

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
  await portal.activeLearner(GRACE, PASSWORD);
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

async function password(page, email, secret) {
  await page.goto(`${portal.url}/login`);
  await fill(page, "E-mail address", email);
  await fill(page, "Password", secret);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("two-step sign-in in the browser", () => {
  test("the first administrator sets up an app at first sign-in before anything else", async () => {
    const page = await newPage(browser);
    await password(page, ADMIN.email, ADMIN.password);
    await page.getByRole("heading", { name: "Set up two-step sign-in" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/setup-two-step");
    // Nothing else opens: the main navigation is hidden, and any other page comes back here.
    assert.equal(await page.getByRole("navigation", { name: "Main" }).count(), 0);
    await checkPage(page, "mfa-setup-required");
    await page.goto(`${portal.url}/admin/accounts`);
    await page.getByRole("heading", { name: "Set up two-step sign-in" }).waitFor();

    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    await page.getByRole("img", { name: "QR code to add this portal to your authenticator app" }).waitFor();
    const secret = (await page.locator("code.secret").textContent()).replace(/\s/g, "");
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await checkPage(page, "mfa-setup-qr");
    // A wrong code is said next to the field.
    await fill(page, "Code from your app", "12345");
    await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
    await page.getByRole("alert").waitFor();
    assert.equal(await page.getByLabel("Code from your app").getAttribute("aria-invalid"), "true");
    await checkPage(page, "mfa-setup-error");
    rememberApp(portal, ADMIN.email, secret);
    await fill(page, "Code from your app", await nextCode(portal, ADMIN.email));
    await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
    await page.getByRole("heading", { name: "Your recovery codes" }).waitFor();
    const codes = await page.locator(".recovery-codes code").allTextContents();
    assert.equal(codes.length, 10);
    await page.getByRole("button", { name: "Print the codes" }).waitFor();
    await page.getByRole("button", { name: "Copy the codes" }).waitFor();
    await checkPage(page, "mfa-recovery-codes");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: /^Welcome/ }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Accounts" }).waitFor();

    // The profile says it is on and cannot be turned off by an administrator.
    await page.goto(`${portal.url}/profile/security`);
    await page.getByText("Two-step sign-in is on. You have 10 unused recovery codes.").waitFor();
    await page.getByText("Administrators must keep two-step sign-in on.", { exact: false }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Turn off two-step sign-in" }).count(), 0);
    await checkPage(page, "mfa-profile-required");
    await page.context().close();
  });

  test("a learner turns it on, signs in with a code and with a recovery code, and turns it off", async () => {
    const page = await newPage(browser);
    await password(page, GRACE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await page.goto(`${portal.url}/profile/security`);
    await page.getByText("Two-step sign-in is off.").waitFor();
    await checkPage(page, "mfa-profile-off");
    await page.getByRole("button", { name: "Set up two-step sign-in" }).click();
    const codes = await setUpAppOnPage(page, portal, GRACE.email);
    assert.equal(codes.length, 10);
    await page.getByRole("button", { name: "I have saved my recovery codes" }).click();
    await page.getByText("Two-step sign-in is on. You have 10 unused recovery codes.").waitFor();
    await checkPage(page, "mfa-profile-on");
    await page.context().close();

    // Signing in: the password, then the code.
    const again = await newPage(browser);
    await password(again, GRACE.email, PASSWORD);
    await again.getByRole("heading", { name: "Two-step sign-in" }).waitFor();
    await checkPage(again, "login-code");
    await fill(again, "Code from your app", "000000");
    await again.getByRole("button", { name: "Continue" }).click();
    await again.getByRole("alert").waitFor();
    assert.equal(await again.getByLabel("Code from your app").getAttribute("aria-invalid"), "true");
    await checkPage(again, "login-code-wrong");
    await fill(again, "Code from your app", await nextCode(portal, GRACE.email));
    await again.getByRole("button", { name: "Continue" }).click();
    await again.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await again.context().close();

    // A recovery code instead, once.
    const spare = await newPage(browser);
    await password(spare, GRACE.email, PASSWORD);
    await spare.getByRole("button", { name: "Use a recovery code instead" }).click();
    await fill(spare, "Recovery code", codes[0]);
    await checkPage(spare, "login-recovery-code");
    await spare.getByRole("button", { name: "Continue" }).click();
    await spare.getByRole("heading", { name: "Welcome, Grace" }).waitFor();

    // Turning it off takes the password and a code.
    await spare.goto(`${portal.url}/profile/security`);
    await spare.getByText("You have 9 unused recovery codes.", { exact: false }).waitFor();
    await spare.getByRole("button", { name: "Turn off two-step sign-in" }).click();
    await spare.getByRole("alert").waitFor();
    assert.equal(await spare.getByLabel("Password").getAttribute("aria-invalid"), "true");
    await checkPage(spare, "mfa-turn-off-errors");
    await fill(spare, "Password", PASSWORD);
    await fill(spare, "Code from your app, or a recovery code", codes[1]);
    await spare.getByRole("button", { name: "Turn off two-step sign-in" }).click();
    await spare.getByText("Two-step sign-in is off.").first().waitFor();
    await spare.context().close();
  });

  test("an administrator resets a person's second factor from their account page", async () => {
    const grace = await newPage(browser);
    await password(grace, GRACE.email, PASSWORD);
    await grace.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await grace.goto(`${portal.url}/profile/security`);
    await grace.getByRole("button", { name: "Set up two-step sign-in" }).click();
    await setUpAppOnPage(grace, portal, GRACE.email);
    await grace.context().close();

    const admin = await newPage(browser);
    await password(admin, ADMIN.email, ADMIN.password);
    await fill(admin, "Code from your app", await nextCode(portal, ADMIN.email));
    await admin.getByRole("button", { name: "Continue" }).click();
    await admin.getByRole("heading", { name: /^Welcome/ }).waitFor();
    await admin.goto(`${portal.url}/admin/accounts?q=grace`);
    await admin.getByRole("link", { name: "Grace Hopper" }).click();
    await admin.getByRole("heading", { name: "Grace Hopper" }).waitFor();
    await admin.getByRole("definition").filter({ hasText: /^Set up$/ }).waitFor();
    await admin.getByRole("button", { name: "Reset second factor" }).click();
    await admin.getByText("Their two-step sign-in is reset", { exact: false }).waitFor();
    await admin.getByRole("definition").filter({ hasText: /^Not set up$/ }).waitFor();
    assert.equal(await admin.getByRole("button", { name: "Reset second factor" }).count(), 0);
    await checkWide(admin, "admin-account-mfa-reset");
    await admin.context().close();
    await portal.mail(GRACE.email, /two-step sign-in was reset/);

    // Grace signs in with her password alone again.
    authenticators.delete(`${portal.url} ${GRACE.email}`);
    const after = await newPage(browser);
    await password(after, GRACE.email, PASSWORD);
    await after.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await after.context().close();
  });
});
