// People's own data in the browser (ACC-9, the part built so far): the signed-in devices page
// lists where the person is signed in and signs out another session. Every page visited is
// checked by checkPage (axe at 360 px and 1280 px).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { apiAs, checkPage, newPage, signIn, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;

const ADA = { first: "Ada", last: "Lovelace", dob: "1990-12-10", enrolment: "ENR-9001", email: "ada@learners.test" };
const PASSWORD = "amber kettle softly ringing";

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
  await portal.activeLearner(ADA, PASSWORD);
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

describe("signed-in devices in the browser", () => {
  test("a learner sees where they are signed in and signs out another session", async () => {
    // Another session, from an API client.
    const elsewhere = await apiAs(portal, ADA.email, PASSWORD);
    const page = await newPage(browser);
    await signIn(page, portal, ADA.email, PASSWORD);
    await page.goto(`${portal.url}/profile/devices`);
    await page.getByRole("heading", { name: "Signed-in devices" }).waitFor();
    await page.getByRole("heading", { name: /\(this device\)$/ }).waitFor();
    assert.equal(await page.locator("ul.cards > li").count(), 2);
    // Only the other session can be signed out from here.
    const signOut = page.getByRole("button", { name: /^Sign out on / });
    assert.equal(await signOut.count(), 1);
    await checkPage(page, "my-data-devices");

    await signOut.click();
    await page.getByText(/^You are signed out on /).waitFor();
    assert.equal(await page.locator("ul.cards > li").count(), 1);
    await checkPage(page, "my-data-devices-ended");
    // The other session has ended.
    await elsewhere("GET", "/api/me", undefined, 401);
    await page.context().close();
  });
});
