// Closing the ways into someone else's account (issue 16), through the pages: a learner claims a
// record that holds another address with the code sent there; an e-mail change needs the
// password, and the old address cancels it. (A centre user's approval by the centre's central
// address is in accounts.test.mjs.) Every page visited is checked by checkPage.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkPage, field, fill, linkIn, newPage, signIn, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;

const PASSWORD = "violet tram quietly harbour";
// The records system holds Ada's home address; she registers from her work address.
const ADA = { first: "Ada", last: "Lovelace", dob: "1992-12-10", enrolment: "ENR-3001", email: "ada@work.test", recordEmail: "ada.home@learners.test" };
const HEDY = { first: "Hedy", last: "Lamarr", email: "hedy@employer.test", company: "Frequency Hopping Ltd" };

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
  await portal.importLearners([{ enrolment_number: ADA.enrolment, first_name: ADA.first, last_name: ADA.last, date_of_birth: ADA.dob, email: ADA.recordEmail }]);
  await portal.activeThirdParty(HEDY, PASSWORD);
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

describe("account takeover closed, in the browser", () => {
  test("a learner whose record holds another address links it with the code sent there", async () => {
    const page = await newPage(browser);
    await page.goto(`${portal.url}/register`);
    await page.getByLabel("A learner").check();
    await fill(page, "E-mail address", ADA.email);
    await fill(page, "Password", PASSWORD);
    await fill(page, "Confirm password", PASSWORD);
    await page.getByRole("button", { name: "Continue" }).click();
    await fill(page, "First name", ADA.first);
    await fill(page, "Last name", ADA.last);
    await fill(page, "Date of birth", ADA.dob);
    await fill(page, "Enrolment or candidate number", ADA.enrolment);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Check your e-mail" }).waitFor();
    await page.goto(linkIn(await portal.mail(ADA.email, /confirm/i), portal.url));
    await page.getByRole("button", { name: "Confirm my e-mail address" }).click();

    // The page says where the code went without showing the address in full.
    await page.getByRole("heading", { name: "Enter the code we sent you" }).waitFor();
    await page.getByText("a***@learners.test").waitFor();
    assert.equal(await page.getByText(ADA.recordEmail).count(), 0);
    await checkPage(page, "record-code");
    const code = (await portal.mail(ADA.recordEmail, /code/i)).subject.split(": ").at(-1);
    const wrong = code === "000000" ? "111111" : "000000";
    await fill(page, "Code", wrong);
    await page.getByRole("button", { name: "Link my record" }).click();
    await page.getByRole("alert").getByRole("link", { name: /4 more tries/ }).waitFor();
    assert.equal(await field(page, "Code").getAttribute("aria-invalid"), "true");
    await checkPage(page, "record-code-wrong");
    await fill(page, "Code", code);
    await page.getByRole("button", { name: "Link my record" }).click();
    await page.getByRole("heading", { name: "Your account is ready" }).waitFor();
    await checkPage(page, "record-code-done");

    await signIn(page, portal, ADA.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Ada" }).waitFor();
    await page.context().close();
  });

  test("changing the e-mail address needs the password, and the old address can cancel it", async () => {
    const page = await newPage(browser);
    await signIn(page, portal, HEDY.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Hedy" }).waitFor();
    await page.goto(`${portal.url}/profile`);
    await page.getByRole("heading", { name: "Your profile" }).waitFor();
    await fill(page, "E-mail address (your username)", "someone.else@attacker.test");
    // The password is asked for as soon as the address differs.
    await field(page, "Current password").waitFor();
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("alert").waitFor();
    assert.equal(await field(page, "Current password").getAttribute("aria-invalid"), "true");
    await checkPage(page, "profile-email-needs-password");
    await fill(page, "Current password", "not my password at all");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("alert").getByRole("link", { name: /not your current password/ }).waitFor();
    await fill(page, "Current password", PASSWORD);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("We have sent a link to someone.else@attacker.test").waitFor();

    // The old address is told, with a link that cancels the change.
    const told = await portal.mail(HEDY.email, /asked to change your e-mail address/i);
    const cancel = await newPage(browser);
    await cancel.goto(linkIn(told, portal.url));
    await cancel.getByRole("heading", { name: "Cancel the change of your e-mail address" }).waitFor();
    await checkPage(cancel, "cancel-email-change");
    await cancel.getByRole("button", { name: "Cancel the change" }).click();
    await cancel.getByRole("heading", { name: "The change is cancelled" }).waitFor();
    await cancel.getByRole("link", { name: "Set a new password" }).waitFor();
    await checkPage(cancel, "cancel-email-change-done");
    await cancel.context().close();

    // Every session ended; the account keeps its address.
    await page.reload();
    await page.waitForURL(/\/login/);
    await signIn(page, portal, HEDY.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Hedy" }).waitFor();
    await page.goto(`${portal.url}/profile`);
    assert.equal(await field(page, "E-mail address (your username)").inputValue(), HEDY.email);
    await page.context().close();
  });
});
