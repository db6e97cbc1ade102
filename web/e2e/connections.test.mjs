// The connections journeys through the pages (CON-1..9, ACC-8), from both sides: a learner adds
// a third party who registers from the e-mail, accepts, views the shared document and asks for
// more time, which the learner approves; a third party asks a learner, who accepts choosing
// documents and then cancels; a learner opts in to search and a third party finds them. Every
// page visited is checked by checkPage.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkPage, fill, linkIn, newPage, signIn, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;
const issued = {};

const GRACE = { first: "Grace", last: "Hopper", dob: "1990-12-09", enrolment: "ENR-3001", email: "grace@learners.test" };
const ADA = { first: "Ada", last: "Lovelace", dob: "1992-12-10", enrolment: "ENR-3002", email: "ada@learners.test" };
const HEDY = { first: "Hedy", last: "Lamarr", company: "Frequency Hopping Ltd", email: "hedy@employer.test" };
const SAM = { name: "Sam Employer", email: "sam@employer.test" };
const PASSWORD = "violet tram quietly harbour";

/** A day `days` from today, as the API takes it and as the pages say it. */
function dayFromNow(days) {
  const iso = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  const long = new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
  return { iso, long };
}

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
  await portal.importCentres([{ centre_number: "C-7101", name: "Northgate College", email: "exams@northgate.test" }]);
  await portal.activeLearner(GRACE, PASSWORD);
  await portal.activeLearner(ADA, PASSWORD);
  await portal.activeThirdParty(HEDY, PASSWORD);
  for (const [who, job] of [
    [GRACE, "J-CON-1"],
    [ADA, "J-CON-2"],
  ]) {
    const answer = await portal.issueJob({
      job_id: job,
      centre_number: "C-7101",
      achievements: [
        {
          enrolment_number: who.enrolment,
          qualification_title: "Level 3 Award in Electric Vehicle Repair",
          qualification_code: "603/4182/8",
          award_date: "2026-11-01",
          units: [{ code: "U1", title: "Working safely with high voltage", grade: "Pass" }],
          documents: [{ type: "certificate" }, { type: "badge" }],
        },
      ],
    });
    issued[who.enrolment] = (type) => answer.documents.find((d) => d.type === type).reference;
  }
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

async function connections(page) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await page.getByRole("heading", { name: "Connections", level: 1 }).waitFor();
}

describe("connections in the browser", () => {
  test("a learner shares with a new third party, who registers, accepts, views the document and gets more time", async () => {
    const certificate = issued[GRACE.enrolment]("certificate");
    const learner = await newPage(browser);
    await signIn(learner, portal, GRACE.email, PASSWORD);
    await learner.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await learner.getByText("You have 0 active connections and 0 pending.").waitFor();
    await connections(learner);
    await learner.getByText("You have no active or pending connections.").waitFor();
    await checkPage(learner, "connections-empty");

    // Add: the fields are required (said in the dialog), then name, e-mail and a document.
    await learner.getByRole("button", { name: "Add connection" }).click();
    const dialog = learner.getByRole("dialog", { name: "Add a connection" });
    await dialog.getByRole("button", { name: "Send and share" }).click();
    await dialog.getByRole("alert").waitFor();
    await fill(learner, "Their name", SAM.name);
    await fill(learner, "Their e-mail address", SAM.email);
    await dialog.getByText("If you leave it empty, it is one month from today.").waitFor();
    await dialog.getByLabel(`Certificate ${certificate}`).check();
    await checkPage(learner, "connections-add");
    await dialog.getByRole("button", { name: "Send and share" }).click();
    await learner.getByText(`Your connection with ${SAM.name} was sent`).waitFor();
    await learner.getByRole("button", { name: `Cancel connection with ${SAM.name}` }).waitFor();
    await checkPage(learner, "connections-learner");

    // The third party has no account: the e-mail invites them to register with that address.
    const invite = await portal.mail(SAM.email, /wants to connect/);
    const third = await newPage(browser);
    await third.goto(linkIn(invite, portal.url));
    await third.getByLabel("An employer, university or auditor").check();
    await fill(third, "E-mail address", SAM.email);
    await fill(third, "Password", PASSWORD);
    await fill(third, "Confirm password", PASSWORD);
    await third.getByRole("button", { name: "Continue" }).click();
    await fill(third, "First name", "Sam");
    await fill(third, "Last name", "Employer");
    await fill(third, "Organisation", "Employer Ltd");
    await third.getByRole("button", { name: "Continue" }).click();
    await third.getByRole("button", { name: "Create account" }).click();
    await third.getByRole("heading", { name: "Check your e-mail" }).waitFor();
    await third.goto(linkIn(await portal.mail(SAM.email, /confirm/i), portal.url));
    await third.getByRole("button", { name: "Confirm my e-mail address" }).click();
    await third.getByRole("heading", { name: "Your e-mail address is confirmed" }).waitFor();
    await signIn(third, portal, SAM.email, PASSWORD);
    await third.getByRole("heading", { name: "Welcome, Sam" }).waitFor();
    await third.getByText("You have 0 active connections and 1 pending.").waitFor();

    // It waits for them, pending; they accept and see the shared certificate.
    await connections(third);
    await third.getByText("Pending", { exact: true }).waitFor();
    await checkPage(third, "connections-third-party");
    await third.getByRole("button", { name: "Accept connection with Grace Hopper" }).click();
    await third.getByText("You accepted the connection with Grace Hopper.").waitFor();
    await portal.mail(GRACE.email, /accepted your connection/);
    await third.getByRole("link", { name: "View documents shared by Grace Hopper" }).click();
    await third.getByRole("heading", { name: "Documents shared by Grace Hopper" }).waitFor();
    await checkPage(third, "connections-shared-documents");
    await third.getByRole("link", { name: `View details of certificate ${certificate}` }).click();
    await third.getByRole("heading", { name: "Certificate: Level 3 Award in Electric Vehicle Repair" }).waitFor();
    const src = await third.locator("iframe.pdf-frame").getAttribute("src");
    assert.match(src, new RegExp(`^/api/documents/${certificate}/pdf\\?connection=`));
    const pdf = await third.request.get(`${portal.url}${src}`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()["content-type"], "application/pdf");
    // Loaded afresh: the PDF viewer frame added by an in-app navigation keeps Playwright's
    // network-idle wait from settling.
    await third.reload();
    await third.getByRole("heading", { name: "Certificate: Level 3 Award in Electric Vehicle Repair" }).waitFor();
    await checkPage(third, "connections-shared-document");

    // They ask for more time; the learner approves; the new date shows on their side.
    const later = dayFromNow(90);
    await connections(third);
    await third.getByRole("button", { name: "Request extension connection with Grace Hopper" }).click();
    const request = third.getByRole("dialog", { name: "Ask Grace Hopper for more time" });
    await fill(third, "New expiry date", later.iso);
    await checkPage(third, "connections-request-extension");
    await request.getByRole("button", { name: "Send the request" }).click();
    await third.getByText("Your request was sent to Grace Hopper.").waitFor();
    await third.getByText(`You asked to extend it to ${later.long}.`).waitFor();
    await portal.mail(GRACE.email, /asks for more time/);

    await learner.reload();
    await learner.getByText(`${SAM.name} asks to extend it to ${later.long}.`).waitFor();
    await checkPage(learner, "connections-extension-request");
    await learner.getByRole("button", { name: `Approve extension of connection with ${SAM.name}` }).click();
    await learner.getByText(`now ends on ${later.long}`).waitFor();
    await portal.mail(SAM.email, /approved more time/);

    await third.reload();
    await third.getByText(later.long, { exact: true }).waitFor();
    await learner.context().close();
    await third.context().close();
  });

  test("a third party asks a learner, who accepts choosing documents and then cancels", async () => {
    const certificate = issued[ADA.enrolment]("certificate");
    const badge = issued[ADA.enrolment]("badge");
    const third = await newPage(browser);
    await signIn(third, portal, HEDY.email, PASSWORD);
    await third.getByRole("heading", { name: "Welcome, Hedy" }).waitFor();
    await connections(third);
    await third.getByRole("button", { name: "Add connection" }).click();
    const ask = third.getByRole("dialog", { name: "Ask a learner to connect" });
    await fill(third, "Learner's name", "Ada Lovelace");
    await fill(third, "Learner's e-mail address", ADA.email);
    await fill(third, "Message", "Please share your EV certificate for your application.");
    await checkPage(third, "connections-ask");
    await ask.getByRole("button", { name: "Send the request" }).click();
    await third.getByText("Your connection with Ada Lovelace was sent").waitFor();

    await portal.mail(ADA.email, /wants to connect/);
    const learner = await newPage(browser);
    await signIn(learner, portal, ADA.email, PASSWORD);
    await learner.getByRole("heading", { name: "Welcome, Ada" }).waitFor();
    await connections(learner);
    await learner.getByRole("button", { name: "Accept connection with Hedy Lamarr" }).click();
    const accept = learner.getByRole("dialog", { name: "Accept the connection with Hedy Lamarr" });
    await accept.getByText("Please share your EV certificate for your application.").waitFor();
    await accept.getByLabel(`Certificate ${certificate}`).check();
    await accept.getByLabel(`Digital badge ${badge}`).check();
    await checkPage(learner, "connections-accept");
    await accept.getByRole("button", { name: "Accept and share" }).click();
    await learner.getByText("You accepted the connection with Hedy Lamarr, sharing 2 documents.").waitFor();

    // Cancelling asks first; "No, go back" leaves it as it was.
    await learner.getByRole("button", { name: "Cancel connection with Hedy Lamarr" }).click();
    const confirm = learner.getByRole("dialog", { name: "Cancel the connection with Hedy Lamarr?" });
    await checkPage(learner, "connections-cancel");
    await confirm.getByRole("button", { name: "No, go back" }).click();
    await learner.getByRole("button", { name: "Cancel connection with Hedy Lamarr" }).click();
    await confirm.getByRole("button", { name: "Yes, cancel it" }).click();
    await learner.getByText("The connection with Hedy Lamarr was cancelled").waitFor();
    await portal.mail(HEDY.email, /cancelled your connection/);

    await learner.getByRole("link", { name: "Inactive" }).click();
    await learner.getByText("Cancelled", { exact: true }).waitFor();
    await checkPage(learner, "connections-inactive");
    await third.reload();
    await third.getByRole("link", { name: "Inactive" }).click();
    await third.getByText("Cancelled", { exact: true }).waitFor();
    await third.getByText("Ada Lovelace").first().waitFor();
    await learner.context().close();
    await third.context().close();
  });

  test("a learner opts in to search and a third party finds them by name", async () => {
    const learner = await newPage(browser);
    await signIn(learner, portal, ADA.email, PASSWORD);
    await learner.getByRole("heading", { name: "Welcome, Ada" }).waitFor();
    await learner.goto(`${portal.url}/profile`);
    await learner.getByLabel("Let employers and universities find me by search").check();
    await learner.getByRole("button", { name: "Save changes" }).click();
    await learner.getByRole("status").filter({ hasText: /saved/i }).waitFor();
    await learner.context().close();

    const third = await newPage(browser);
    await signIn(third, portal, HEDY.email, PASSWORD);
    await third.getByRole("heading", { name: "Welcome, Hedy" }).waitFor();
    await third.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Search" }).click();
    await third.getByRole("heading", { name: "Search for a learner" }).waitFor();
    await fill(third, "Full name or reference", "Ad");
    await third.getByRole("button", { name: "Search" }).click();
    await third.getByRole("alert").getByRole("link", { name: "Full name or reference: needs at least 3 letters or digits" }).waitFor();
    await checkPage(third, "search-too-short");
    await fill(third, "Full name or reference", "Ada Lovelace");
    await third.getByRole("button", { name: "Search" }).click();
    await third.getByRole("heading", { name: /results? for “Ada Lovelace”/ }).waitFor();
    await third.getByText(issued[ADA.enrolment]("certificate")).or(third.getByText(issued[ADA.enrolment]("badge"))).first().waitFor();
    await checkPage(third, "search-results");
    // Someone who has not opted in is not found.
    await fill(third, "Full name or reference", "Grace Hopper");
    await third.getByRole("button", { name: "Search" }).click();
    await third.getByRole("heading", { name: "No learners found for “Grace Hopper”" }).waitFor();
    await third.context().close();
  });
});
