// The account journeys of the portal, done through its pages in headless Chromium (ACC-1..7,
// ACC-10, ADM-1, ADM-2). Every page visited is checked by checkPage (axe-core, 360 px, screenshots).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, checkPage, field, fill, linkIn, newPage, signIn, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;

const GRACE = { first: "Grace", last: "Hopper", dob: "1990-12-09", enrolment: "ENR-1001", email: "grace@learners.test" };
const ALAN = { first: "Alan", last: "Turing", dob: "1991-06-23", enrolment: "ENR-1002", email: "alan@learners.test" };
const ADA = { first: "Ada", last: "Lovelace", dob: "1992-12-10", enrolment: "ENR-1003", email: "ada@learners.test" };
const GOOD_PASSWORD = "violet tram quietly harbour";

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
  await portal.importLearners(
    // The records hold each learner's address: registering from it claims the record at once.
    [GRACE, ALAN, ADA].map((l) => ({ enrolment_number: l.enrolment, first_name: l.first, last_name: l.last, date_of_birth: l.dob, email: l.email })),
  );
  await portal.importCentres([{ centre_number: "C-7001", name: "Northgate College", email: "exams@northgate.test" }]);
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

/** Registers a learner through the three steps, up to "check your e-mail". */
async function registerLearner(page, person, { dob = person.dob, check = false } = {}) {
  await page.goto(`${portal.url}/register`);
  if (check) await checkPage(page, "register-1-login-details");
  await page.getByLabel("A learner").check();
  await fill(page, "E-mail address", person.email);
  await fill(page, "Password", GOOD_PASSWORD);
  await fill(page, "Confirm password", GOOD_PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Step 2 of 3: Personal details" }).waitFor();
  if (check) await checkPage(page, "register-2-personal-details");
  await fill(page, "First name", person.first);
  await fill(page, "Last name", person.last);
  await fill(page, "Date of birth", dob);
  await fill(page, "Enrolment or candidate number", person.enrolment);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Step 3 of 3: Confirmation" }).waitFor();
  if (check) await checkPage(page, "register-3-confirmation");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Check your e-mail" }).waitFor();
}

/** Follows the link of the newest confirmation e-mail to `email` and confirms. */
async function confirmEmail(page, email, { check = false } = {}) {
  const mail = await portal.mail(email, /confirm/i);
  await page.goto(linkIn(mail, portal.url));
  await page.getByRole("heading", { name: "Confirm your e-mail address" }).waitFor();
  if (check) await checkPage(page, "verify-email");
  await page.getByRole("button", { name: "Confirm my e-mail address" }).click();
}

describe("accounts in the browser", () => {
  test("a learner registers in three steps, follows the e-mailed link and signs in", async () => {
    const page = await newPage(browser);
    await page.goto(portal.url);
    await page.getByRole("heading", { name: "Welcome to Example Awarding Body" }).waitFor();
    await checkPage(page, "home");

    // Step 1 checks its fields before going on, and says what is wrong next to each.
    await page.goto(`${portal.url}/register`);
    await fill(page, "Password", "short");
    await page.getByRole("button", { name: "Continue" }).click();
    const summary = page.getByRole("alert");
    await summary.getByText("Choose the kind of account you need").waitFor();
    assert.equal(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid"), "true");
    await checkPage(page, "register-errors");

    await registerLearner(page, GRACE, { check: true });
    await page.getByText(GRACE.email).waitFor();
    await checkPage(page, "register-check-email");

    await confirmEmail(page, GRACE.email, { check: true });
    await page.getByRole("heading", { name: "Your e-mail address is confirmed" }).waitFor();
    await checkPage(page, "verify-email-active");

    await page.getByRole("link", { name: "Sign in" }).last().click();
    await page.waitForURL(/\/login$/);
    await checkPage(page, "login");
    await fill(page, "E-mail address", GRACE.email);
    await fill(page, "Password", GOOD_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    for (const tile of ["Documents", "Orders", "Connections", "Profile"]) {
      await page.getByRole("heading", { name: tile, exact: true }).waitFor();
    }
    await page.getByText("You have 0 saved addresses.").waitFor();
    await checkPage(page, "dashboard-learner");

    // A second use of the same link is refused with a way forward.
    const mail = await portal.mail(GRACE.email, /confirm/i);
    const other = await newPage(browser);
    await other.goto(linkIn(mail, portal.url));
    await other.getByRole("button", { name: "Confirm my e-mail address" }).click();
    await other.getByRole("alert").waitFor();
    await other.getByRole("link", { name: "register again" }).waitFor();
    await checkPage(other, "verify-email-spent");
    await other.context().close();
    await page.context().close();
  });

  test("the profile: details, search opt-in, address book, password change and sign out", async () => {
    const page = await newPage(browser);
    await signIn(page, portal, GRACE.email, GOOD_PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await page.getByRole("link", { name: "Manage profile" }).click();
    await page.getByRole("heading", { name: "Your profile" }).waitFor();
    await checkPage(page, "profile-details");

    // A bad phone number is named next to the field, and what was typed stays.
    await fill(page, "Middle name", "Brewster");
    await fill(page, "Phone", "call me maybe");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("alert").waitFor();
    assert.equal(await field(page, "Phone").getAttribute("aria-invalid"), "true");
    assert.equal(await field(page, "Middle name").inputValue(), "Brewster");
    await checkPage(page, "profile-details-error");

    await fill(page, "Phone", "+44 20 7946 0018");
    await page.getByLabel("Let employers and universities find me by search").check();
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Your details are saved.").waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Your profile" }).waitFor();
    assert.equal(await field(page, "Middle name").inputValue(), "Brewster");
    assert.equal(await field(page, "Phone").inputValue(), "+44 20 7946 0018");
    assert.ok(await page.getByLabel("Let employers and universities find me by search").isChecked());

    // Address book: the API's field errors, then add, edit and remove.
    await page.getByRole("link", { name: "Address book" }).click();
    await page.getByRole("heading", { name: "Your address book" }).waitFor();
    await page.getByText("You have no saved addresses yet.").waitFor();
    await checkPage(page, "profile-addresses-empty");
    await page.getByRole("button", { name: "Add an address" }).click();
    await fill(page, "Name for this address", "Home");
    await page.getByRole("button", { name: "Save address" }).click();
    await page.getByRole("alert").first().waitFor();
    assert.equal(await field(page, "Recipient").getAttribute("aria-invalid"), "true");
    assert.equal(await field(page, "Name for this address").inputValue(), "Home");
    await checkPage(page, "profile-addresses-errors");
    await fill(page, "Recipient", "Grace Hopper");
    await fill(page, "Address line 1", "1 Harbour Street");
    await fill(page, "Town or city", "Portsmouth");
    await fill(page, "Postcode", "PO1 2AB");
    await page.getByRole("button", { name: "Save address" }).click();
    await page.getByText("The address is added.").waitFor();
    await page.getByText("1 Harbour Street").waitFor();
    await checkPage(page, "profile-addresses");
    await page.getByRole("button", { name: "Edit Home" }).click();
    await fill(page, "Address line 2", "Flat 3");
    await page.getByRole("button", { name: "Save address" }).click();
    await page.getByText("The address is saved.").waitFor();
    await page.getByText("Flat 3").waitFor();
    await page.getByRole("button", { name: "Remove Home" }).click();
    await page.getByRole("button", { name: "Yes, remove it" }).click();
    await page.getByText("The address is removed.").waitFor();
    await page.getByText("You have no saved addresses yet.").waitFor();

    // Change password: the wrong current one is refused; the right one ends other sessions.
    const elsewhere = await newPage(browser);
    await signIn(elsewhere, portal, GRACE.email, GOOD_PASSWORD);
    await elsewhere.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await page.getByRole("link", { name: "Change password" }).click();
    await page.getByRole("heading", { name: "Change your password" }).waitFor();
    await checkPage(page, "profile-password");
    const newPassword = "amber kettle sings loudly";
    await fill(page, "Current password", "not my password");
    await fill(page, "New password", newPassword);
    await fill(page, "Confirm new password", newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("alert").waitFor();
    assert.equal(await field(page, "Current password").getAttribute("aria-invalid"), "true");
    await fill(page, "Current password", GOOD_PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Your password is changed.").waitFor();
    await elsewhere.reload();
    await elsewhere.waitForURL(/\/login/);
    await elsewhere.context().close();

    // This session goes on (its CSRF token was renewed): a write still works.
    await page.getByRole("link", { name: "Personal details" }).click();
    await fill(page, "Middle name", "");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Your details are saved.").waitFor();

    // A session that ends under the page (here: its cookie is gone) sends the person to sign
    // in again, and back to the page afterwards.
    await page.context().clearCookies();
    await fill(page, "Middle name", "B.");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Your session has ended.").waitFor();
    await checkPage(page, "login-session-ended");
    await fill(page, "E-mail address", GRACE.email);
    await fill(page, "Password", newPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Your profile" }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You have signed out.").waitFor();
    await page.goto(`${portal.url}/profile`);
    await page.waitForURL(/\/login\?next=%2Fprofile/);
    await fill(page, "E-mail address", GRACE.email);
    await fill(page, "Password", newPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Back where they were going.
    await page.getByRole("heading", { name: "Your profile" }).waitFor();
    GRACE.password = newPassword;
    await page.context().close();
  });

  test("five wrong passwords pause signing in, by keyboard alone; a reset ends the pause", async () => {
    await registerAndConfirm(ALAN);
    const page = await newPage(browser);
    await page.goto(`${portal.url}/login`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    // Keyboard only: Tab from the top of the page to each field, Enter to submit.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to main content");
    await page.keyboard.press("Enter");
    await tabTo(page, "E-mail address");
    await page.keyboard.type(ALAN.email);
    await tabTo(page, "Password");
    for (let attempt = 1; attempt <= 5; attempt++) {
      await page.keyboard.type(`wrong guess number ${attempt}`);
      await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/auth/login")), page.keyboard.press("Enter")]);
      await page.getByRole("alert").waitFor();
      const title = await page.getByRole("alert").getByRole("heading").textContent();
      assert.equal(title, attempt < 5 ? "Sign-in failed" : "Too many wrong attempts", `attempt ${attempt}`);
      // The e-mail is kept, the password cleared; focus went to the message.
      assert.equal(await field(page, "E-mail address").inputValue(), ALAN.email);
      await page.getByLabel("Password", { exact: true }).focus();
    }
    await checkPage(page, "login-locked");
    // Even the right password is refused now.
    await page.keyboard.type(GOOD_PASSWORD);
    // Wait for this answer itself: the alert of the fifth attempt already says the same,
    // and the new answer moves focus to the alert again.
    await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/auth/login")), page.keyboard.press("Enter")]);
    await page.getByRole("alert").getByRole("heading", { name: "Too many wrong attempts" }).waitFor();
    assert.match(await page.getByRole("alert").textContent(), /Try again then/);

    // The way out, still by keyboard: the link in the message.
    await page.getByRole("link", { name: "Set a new password to sign in now" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Forgotten your password?" }).waitFor();
    await checkPage(page, "forgot-password");
    await tabTo(page, "E-mail address");
    await page.keyboard.type(ALAN.email);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Check your e-mail" }).waitFor();
    await checkPage(page, "forgot-password-sent");

    const mail = await portal.mail(ALAN.email, /^Set a new password/);
    await page.goto(linkIn(mail, portal.url));
    await page.getByRole("heading", { name: "Set a new password" }).waitFor();
    await checkPage(page, "reset-password");
    const newPassword = "copper lantern drifts north";
    await fill(page, "New password", "password123");
    await fill(page, "Confirm new password", "password123");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByRole("alert").waitFor();
    assert.equal(await field(page, "New password").getAttribute("aria-invalid"), "true");
    await checkPage(page, "reset-password-weak");
    await fill(page, "New password", newPassword);
    await fill(page, "Confirm new password", newPassword);
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByText("Your new password is set.").waitFor();
    await fill(page, "E-mail address", ALAN.email);
    await fill(page, "Password", newPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Welcome, Alan" }).waitFor();
    ALAN.password = newPassword;
    await page.context().close();
  });

  test("a registration that does not match waits for review; an administrator approves it", async () => {
    const page = await newPage(browser);
    await registerLearner(page, ADA, { dob: "1992-12-11" });
    await confirmEmail(page, ADA.email);
    await page.getByRole("heading", { name: "Your registration is being checked" }).waitFor();
    await checkPage(page, "verify-email-pending-review");
    await portal.mail(ADA.email, /check|review/i);
    // Not yet able to sign in: the page says why.
    await signIn(page, portal, ADA.email, GOOD_PASSWORD);
    await page.getByRole("alert").getByText("being checked by an administrator").waitFor();
    await page.context().close();

    const admin = await newPage(browser);
    await signIn(admin, portal, ADMIN.email, ADMIN.password);
    await admin.getByRole("heading", { name: /^Welcome/ }).waitFor();
    await admin.getByText("1 registration is waiting for review.").waitFor();
    await checkPage(admin, "dashboard-admin");
    await admin.getByRole("link", { name: "Review pending registrations" }).click();
    await admin.getByRole("heading", { name: "Pending registrations" }).waitFor();
    const card = admin.getByRole("region", { name: "Closest learner records for Ada Lovelace" });
    await card.getByRole("cell", { name: ADA.enrolment, exact: true }).waitFor();
    // The record's date of birth is marked as differing from the one submitted.
    await card.getByRole("cell", { name: `${ADA.dob} (differs from the submitted 1992-12-11)`, exact: true }).waitFor();
    await checkPage(admin, "admin-registrations");
    await card.getByRole("button", { name: `Approve and link Ada Lovelace to record ${ADA.enrolment}` }).click();
    // A second, explicit step: the wrong record would show someone else's documents.
    await admin.getByText(`Approve and link Ada Lovelace to record ${ADA.enrolment}? Ada Lovelace will see that record's documents.`).waitFor();
    await checkPage(admin, "admin-registrations-confirm");
    await admin.getByRole("button", { name: "Yes, approve" }).click();
    await admin.getByText("Ada Lovelace's registration is approved").waitFor();
    await admin.getByText("No registrations are waiting for review.").waitFor();
    await admin.context().close();

    await portal.mail(ADA.email, /account is ready/i);
    const ada = await newPage(browser);
    await signIn(ada, portal, ADA.email, GOOD_PASSWORD);
    await ada.getByRole("heading", { name: "Welcome, Ada" }).waitFor();
    await ada.getByRole("link", { name: "Manage profile" }).click();
    await ada.getByText(ADA.enrolment).waitFor();
    await ada.context().close();
  });

  test("an administrator rejects a registration with a reason, which is e-mailed", async () => {
    const stranger = { first: "Charles", last: "Babbage", dob: "1991-12-26", enrolment: "ENR-9999", email: "charles@learners.test" };
    const page = await newPage(browser);
    await registerLearner(page, stranger);
    await confirmEmail(page, stranger.email);
    await page.getByRole("heading", { name: "Your registration is being checked" }).waitFor();
    await page.context().close();

    const admin = await newPage(browser);
    await signIn(admin, portal, ADMIN.email, ADMIN.password);
    await admin.getByRole("heading", { name: /^Welcome/ }).waitFor();
    await admin.goto(`${portal.url}/admin/registrations`);
    const card = admin.getByRole("region", { name: "Charles Babbage Learner" });
    await card.getByText("No learner record is close to these details.").waitFor();
    await card.getByText("Reject this registration").click();
    await card.getByRole("button", { name: "Reject" }).click();
    // The reason is required: said next to the field, from the API's problem.
    await card.getByRole("alert").waitFor();
    assert.equal(await field(card, "Reason (e-mailed to them)").getAttribute("aria-invalid"), "true");
    await checkPage(admin, "admin-registrations-reject-error");
    await fill(card, "Reason (e-mailed to them)", "We have no record of this enrolment number.");
    await card.getByRole("button", { name: "Reject" }).click();
    await admin.getByText("Charles Babbage's registration is rejected").waitFor();
    const mail = await portal.mail(stranger.email, /could not be approved/i);
    assert.match(mail.text, /We have no record of this enrolment number\./);
    await admin.context().close();
  });

  test("a third party and a centre user register; each sees only their own portal", async () => {
    const page = await newPage(browser);
    await page.goto(`${portal.url}/register`);
    await page.getByLabel("An employer, university or auditor").check();
    await fill(page, "E-mail address", "hr@employer.test");
    await fill(page, "Password", GOOD_PASSWORD);
    await fill(page, "Confirm password", GOOD_PASSWORD);
    await page.getByRole("button", { name: "Continue" }).click();
    await fill(page, "First name", "Hedy");
    await fill(page, "Last name", "Lamarr");
    await fill(page, "Organisation", "Frequency Hopping Ltd");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("Frequency Hopping Ltd").waitFor();
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Check your e-mail" }).waitFor();
    await confirmEmail(page, "hr@employer.test");
    await page.getByRole("heading", { name: "Your e-mail address is confirmed" }).waitFor();
    await signIn(page, portal, "hr@employer.test", GOOD_PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Hedy" }).waitFor();
    await page.getByRole("heading", { name: "Connections", exact: true }).waitFor();
    await checkPage(page, "dashboard-third-party");
    await page.goto(`${portal.url}/admin/accounts`);
    await page.getByRole("heading", { name: "Not available to your account" }).waitFor();
    await checkPage(page, "wrong-portal");
    await page.context().close();

    const centre = await newPage(browser);
    await centre.goto(`${portal.url}/register`);
    await centre.getByLabel("Staff at a training centre").check();
    await fill(centre, "E-mail address", "registrar@northgate.test");
    await fill(centre, "Password", GOOD_PASSWORD);
    await fill(centre, "Confirm password", GOOD_PASSWORD);
    await centre.getByRole("button", { name: "Continue" }).click();
    // Going back keeps what was typed.
    await fill(centre, "First name", "Katherine");
    await centre.getByRole("button", { name: "Back" }).click();
    assert.equal(await field(centre, "E-mail address").inputValue(), "registrar@northgate.test");
    await centre.getByRole("button", { name: "Continue" }).click();
    assert.equal(await field(centre, "First name").inputValue(), "Katherine");
    await fill(centre, "Last name", "Johnson");
    await fill(centre, "Centre number", "C-7001");
    await fill(centre, "Centre name", "Northgate College");
    await centre.getByRole("button", { name: "Continue" }).click();
    await centre.getByRole("button", { name: "Create account" }).click();
    await centre.getByRole("heading", { name: "Check your e-mail" }).waitFor();
    await confirmEmail(centre, "registrar@northgate.test");
    // A mailbox at the centre's domain is not enough: the centre's central address approves.
    await centre.getByRole("heading", { name: "Your centre will approve your access" }).waitFor();
    await checkPage(centre, "verify-email-centre-asked");
    await signIn(centre, portal, "registrar@northgate.test", GOOD_PASSWORD);
    await centre.getByRole("alert").getByText("being checked").waitFor();

    // The exams office opens the link: nothing is decided until a button is pressed.
    const exams = await newPage(browser);
    await exams.goto(await portal.centreApprovalLink("registrar@northgate.test"));
    await exams.getByRole("heading", { name: "Approve a centre user" }).waitFor();
    await checkPage(exams, "centre-approval");
    await exams.getByRole("button", { name: "Approve" }).click();
    await exams.getByRole("heading", { name: "Access approved" }).waitFor();
    await exams.getByText("Katherine Johnson (registrar@northgate.test) can now sign in").waitFor();
    await checkPage(exams, "centre-approval-done");
    // The link works once.
    await exams.reload();
    await exams.getByRole("button", { name: "Decline" }).click();
    await exams.getByRole("alert").getByRole("link", { name: /already been used/ }).waitFor();
    await checkPage(exams, "centre-approval-spent");
    await exams.context().close();
    await portal.mail("registrar@northgate.test", /account is ready/i);

    await signIn(centre, portal, "registrar@northgate.test", GOOD_PASSWORD);
    await centre.getByRole("heading", { name: "Welcome, Katherine" }).waitFor();
    for (const tile of ["Jobs", "Records", "Downloads", "Orders"]) {
      await centre.getByRole("heading", { name: tile, exact: true }).waitFor();
    }
    await checkPage(centre, "dashboard-centre");
    await centre.context().close();
  });

  test("an administrator finds an account, sees its sign-ins, locks and unlocks it", async () => {
    const admin = await newPage(browser);
    await signIn(admin, portal, ADMIN.email, ADMIN.password);
    await admin.getByRole("heading", { name: /^Welcome/ }).waitFor();
    await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Accounts" }).click();
    await admin.getByRole("heading", { name: "Accounts" }).waitFor();
    await fill(admin, "E-mail address starts with", "alan@");
    await admin.getByRole("button", { name: "Search" }).click();
    await admin.getByRole("link", { name: "Alan Turing" }).waitFor();
    await checkPage(admin, "admin-accounts");
    await admin.getByRole("link", { name: "Alan Turing" }).click();
    await admin.getByRole("heading", { name: "Alan Turing" }).waitFor();
    // The five wrong passwords and the sign-in after the reset are in the activity.
    await admin.getByRole("cell", { name: "Wrong password" }).first().waitFor();
    await admin.getByRole("cell", { name: "Signed in" }).first().waitFor();
    await checkPage(admin, "admin-account");
    await admin.getByRole("button", { name: "Lock account" }).click();
    await admin.getByText("The account is locked.").waitFor();
    await admin.getByText("Locked by an administrator").waitFor();

    const alan = await newPage(browser);
    await signIn(alan, portal, ALAN.email, ALAN.password);
    await alan.getByRole("alert").getByRole("heading", { name: "Account locked" }).waitFor();

    await admin.getByRole("button", { name: "Unlock account" }).click();
    await admin.getByText("The account is unlocked.").waitFor();
    await signIn(alan, portal, ALAN.email, ALAN.password);
    await alan.getByRole("heading", { name: "Welcome, Alan" }).waitFor();
    await alan.context().close();
    await admin.context().close();
  });

  test("a learner sees the documents issued to them, newest first, with their badges", async () => {
    // Alan has none yet: the page says what happens next.
    const alan = await newPage(browser);
    await signIn(alan, portal, ALAN.email, ALAN.password);
    await alan.getByRole("heading", { name: "Welcome, Alan" }).waitFor();
    await alan.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Documents" }).click();
    await alan.getByText("No documents have been issued to you yet.").waitFor();
    await checkPage(alan, "documents-empty");
    await alan.context().close();

    const issued = await portal.issueJob({
      job_id: "J-BROWSER-1",
      centre_number: "C-7001",
      achievements: [
        {
          enrolment_number: GRACE.enrolment,
          qualification_title: "Level 3 Award in Electric Vehicle Repair",
          qualification_code: "603/4182/8",
          course: "EV Repair",
          award_date: "2026-11-01",
          units: [
            { code: "U1", title: "Working safely with high voltage", grade: "Pass" },
            { code: "U2", title: "Diagnosing battery faults", grade: "Merit" },
          ],
          documents: [{ type: "certificate" }, { type: "unit_certificate" }, { type: "badge" }],
        },
        {
          enrolment_number: GRACE.enrolment,
          qualification_title: "Level 2 Certificate in Vehicle Maintenance",
          qualification_code: "601/0000/1",
          award_date: "2025-06-30",
          documents: [{ type: "certificate" }],
        },
      ],
    });
    const mail = await portal.mail(GRACE.email, /^New documents/);
    for (const d of issued.documents) assert.ok(mail.text.includes(d.reference), `${d.reference} in the e-mail`);

    const page = await newPage(browser);
    await signIn(page, portal, GRACE.email, GRACE.password);
    await page.getByText("You have 4 documents.").waitFor();
    await page.getByRole("link", { name: "View documents" }).click();
    await page.getByRole("heading", { name: "Your documents" }).waitFor();
    // Newest award first, each card with the facts of the guides.
    const titles = await page.locator(".cards--stack .card__title").allTextContents();
    assert.deepEqual(titles, ["Level 3 Award in Electric Vehicle Repair", "Level 2 Certificate in Vehicle Maintenance"]);
    const card = page.getByRole("region", { name: "Level 3 Award in Electric Vehicle Repair" }).first();
    await card.getByText("1 November 2026").waitFor();
    await card.getByText(GRACE.enrolment).waitFor();
    for (const d of issued.documents.slice(0, 3)) await card.getByText(d.reference, { exact: true }).waitFor();
    await card.getByText("Units (2)").click();
    await card.getByText("U2: Diagnosing battery faults — Merit").waitFor();
    await page.getByRole("heading", { name: "Your badges" }).waitFor();
    await checkPage(page, "documents");
    await page.context().close();
  });

  test("failures: nothing typed is lost, an unreachable portal is said plainly, unknown pages too", async () => {
    const page = await newPage(browser);
    await page.goto(`${portal.url}/login`);
    await fill(page, "E-mail address", GRACE.email);
    await fill(page, "Password", "typed before the network went");
    await page.route("**/api/auth/login", (route) => route.abort("internetdisconnected"));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByRole("heading", { name: "The portal cannot be reached" }).waitFor();
    assert.equal(await field(page, "E-mail address").inputValue(), GRACE.email);
    await checkPage(page, "login-unreachable");
    await page.unroute("**/api/auth/login");

    // A server failure answered without problem+json is still shown as a failure.
    await page.route("**/api/auth/forgot-password", (route) => route.fulfill({ status: 502, body: "Bad Gateway" }));
    await page.goto(`${portal.url}/forgot-password`);
    await fill(page, "E-mail address", GRACE.email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await page.getByRole("alert").getByRole("heading", { name: "Something went wrong" }).waitFor();
    assert.equal(await field(page, "E-mail address").inputValue(), GRACE.email);

    // The app cannot start at all: a page that says so, with a way to try again.
    const down = await newPage(browser);
    await down.route("**/api/site", (route) => route.abort("connectionrefused"));
    await down.goto(portal.url);
    await down.getByRole("heading", { name: "The portal cannot be reached" }).waitFor();
    await checkPage(down, "portal-unreachable");
    await down.unroute("**/api/site");
    await down.getByRole("button", { name: "Try again" }).click();
    await down.getByRole("heading", { name: "Welcome to Example Awarding Body" }).waitFor();

    await down.goto(`${portal.url}/no/such/page`);
    await down.getByRole("heading", { name: "Page not found" }).waitFor();
    await checkPage(down, "not-found");
    // Branding from configuration: the footer's support contact.
    await down.getByRole("link", { name: "help@awarding.example" }).waitFor();
    await down.getByRole("link", { name: "0300 123 4567" }).waitFor();
    await page.context().close();
    await down.context().close();
  });
});

async function registerAndConfirm(person) {
  const page = await newPage(browser);
  await registerLearner(page, person);
  await confirmEmail(page, person.email);
  await page.getByRole("heading", { name: "Your e-mail address is confirmed" }).waitFor();
  await page.context().close();
}

/** Presses Tab until the field labelled `label` has focus (at most 30 times). */
async function tabTo(page, label) {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el?.labels?.[0]?.textContent?.trim() ?? null;
    });
    if (focused === label) return;
  }
  throw new Error(`Tab never reached "${label}"`);
}
