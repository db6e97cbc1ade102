// The documents journey through the pages (DOC-3..8, VER-1, ADM-3): a job is issued, the learner
// is e-mailed, sees the document, views it, downloads it until the limit, reports a problem that
// an administrator answers and closes, adds a badge to LinkedIn; an administrator revokes a
// document and the verify page says so. Every page visited is checked by checkPage.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, checkPage, fill, newPage, signIn, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;
let issued;

const GRACE = { first: "Grace", last: "Hopper", dob: "1990-12-09", enrolment: "ENR-2001", email: "grace@learners.test" };
const PASSWORD = "violet tram quietly harbour";

before(async () => {
  portal = await startPortal({ PORTAL_DOWNLOAD_LIMIT_CERTIFICATE: "2" });
  browser = await startBrowser();
  await portal.importCentres([{ centre_number: "C-7001", name: "Northgate College", email: "exams@northgate.test" }]);
  await portal.activeLearner(GRACE, PASSWORD);
  issued = await portal.issueJob({
    job_id: "J-DOCS-1",
    centre_number: "C-7001",
    achievements: [
      {
        enrolment_number: GRACE.enrolment,
        qualification_title: "Level 3 Award in Electric Vehicle Repair",
        qualification_code: "603/4182/8",
        course: "EV Repair",
        award_date: "2026-11-01",
        expires_on: "2029-10-31",
        units: [{ code: "U1", title: "Working safely with high voltage", grade: "Pass" }],
        documents: [{ type: "certificate" }, { type: "badge" }],
      },
    ],
  });
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

const reference = (type) => issued.documents.find((d) => d.type === type).reference;

describe("documents in the browser", () => {
  test("a learner views a certificate, downloads it until the limit and reports a problem an administrator answers", async () => {
    const mail = await portal.mail(GRACE.email, /^New documents/);
    assert.ok(mail.text.includes(reference("certificate")));

    const page = await newPage(browser);
    await signIn(page, portal, GRACE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await page.goto(`${portal.url}/documents`);
    await page.getByRole("link", { name: `View certificate ${reference("certificate")}` }).click();
    await page.getByRole("heading", { name: "Certificate: Level 3 Award in Electric Vehicle Repair" }).waitFor();
    // The PDF is shown in the page (and can be opened whole); viewing does not count.
    const frame = page.locator("iframe.pdf-frame");
    assert.equal(await frame.getAttribute("src"), `/api/documents/${reference("certificate")}/pdf`);
    const viewed = await page.request.get(`${portal.url}/api/documents/${reference("certificate")}/pdf`);
    assert.equal(viewed.status(), 200);
    assert.equal(viewed.headers()["content-type"], "application/pdf");
    await page.getByText("Downloads left: 2 of 2.").waitFor();
    await checkPage(page, "document-view");

    for (const left of [1, 0]) {
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "Download the PDF" }).click();
      const file = await download;
      assert.equal(file.suggestedFilename(), `${reference("certificate")}.pdf`);
      await page.getByText(left ? `Downloads left: ${left} of 2.` : "You have used all 2 downloads of this document.").waitFor();
    }
    assert.equal(await page.getByRole("button", { name: "Download the PDF" }).isDisabled(), true);

    // Report a problem: both fields are required, then it is sent.
    await page.getByRole("button", { name: "Report a problem" }).click();
    await page.getByRole("button", { name: "Send the report" }).click();
    await page.getByRole("alert").getByRole("link", { name: "What is wrong?: is required" }).waitFor();
    await page.getByRole("alert").getByRole("link", { name: "Tell us more: is required" }).waitFor();
    await checkPage(page, "document-report-errors");
    await page.getByLabel("My name is wrong").check();
    await fill(page, "Tell us more", "My middle initial, M., is missing.");
    await page.getByRole("button", { name: "Send the report" }).click();
    await page.getByText("Your report has been sent to Example Awarding Body.").waitFor();
    await checkPage(page, "document-report-sent");

    // The team is e-mailed; an administrator answers and closes the report.
    const team = await portal.mail("help@awarding.example", /^Report on/);
    assert.ok(team.text.includes(GRACE.enrolment) && team.text.includes("Level 3 Award in Electric Vehicle Repair"));
    const admin = await newPage(browser);
    await signIn(admin, portal, ADMIN.email, ADMIN.password);
    await admin.getByRole("heading", { name: /^Welcome/ }).waitFor();
    await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
    await admin.getByRole("heading", { name: "My name is wrong" }).waitFor();
    await admin.getByText("My middle initial, M., is missing.").waitFor();
    await checkPage(admin, "admin-reports");
    await fill(admin, "Your answer", "We have added your middle initial and reissued the certificate.");
    await admin.getByRole("button", { name: "Answer and close" }).click();
    await admin.getByText(`The report was closed and the answer e-mailed to ${GRACE.email}.`).waitFor();
    const answer = await portal.mail(GRACE.email, /has been answered/);
    assert.ok(answer.text.includes("added your middle initial"));
    await admin.getByRole("link", { name: "Closed" }).click();
    await admin.getByText("We have added your middle initial and reissued the certificate.").waitFor();
    await page.context().close();
    await admin.context().close();
  });

  test("a learner adds a badge to LinkedIn", async () => {
    const page = await newPage(browser);
    await signIn(page, portal, GRACE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await page.goto(`${portal.url}/documents`);
    await page.getByRole("link", { name: /^See the badge and add it to LinkedIn/ }).click();
    await page.getByRole("img", { name: /^Digital badge: Level 3 Award in Electric Vehicle Repair, issued to Grace Hopper/ }).waitFor();
    const loaded = await page.evaluate(() => document.querySelector("img.badge-image").naturalWidth);
    assert.ok(loaded > 0, "the badge image loads");
    await checkPage(page, "document-badge");
    // LinkedIn is not reachable from here: the new tab's address is what matters.
    await page.context().route("https://www.linkedin.com/**", (route) => route.fulfill({ status: 200, body: "LinkedIn" }));
    const popup = page.waitForEvent("popup");
    await page.getByRole("link", { name: /^Add to LinkedIn/ }).click();
    const opened = new URL((await popup).url());
    assert.equal(opened.origin + opened.pathname, "https://www.linkedin.com/profile/add");
    assert.equal(opened.searchParams.get("certId"), reference("badge"));
    assert.equal(opened.searchParams.get("certUrl"), `${portal.url}/verify/${reference("badge")}`);
    assert.equal(opened.searchParams.get("expirationYear"), "2029");
    await page.context().close();
  });

  test("an administrator revokes a document and its verify page says so at once", async () => {
    const verify = await newPage(browser);
    await verify.goto(`${portal.url}/verify/${reference("certificate")}`);
    await verify.getByRole("heading", { name: "Genuine and current" }).waitFor();
    await checkPage(verify, "verify-valid");

    const admin = await newPage(browser);
    await signIn(admin, portal, ADMIN.email, ADMIN.password);
    await admin.getByRole("heading", { name: /^Welcome/ }).waitFor();
    await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Documents" }).click();
    await fill(admin, "Reference", reference("certificate").toLowerCase());
    await admin.getByRole("button", { name: "Find" }).click();
    await admin.getByRole("heading", { name: "Certificate: Level 3 Award in Electric Vehicle Repair" }).waitFor();
    await checkPage(admin, "admin-document");
    await admin.getByRole("button", { name: "Revoke…" }).click();
    await admin.getByRole("button", { name: "Revoke the document" }).click();
    await admin.getByRole("alert").getByRole("link", { name: "Reason: is required" }).waitFor();
    await fill(admin, "Reason", "Issued in error: the assessment was not completed.");
    await admin.getByRole("button", { name: "Revoke the document" }).click();
    await admin.getByText("The document is revoked.").waitFor();
    await checkPage(admin, "admin-document-revoked");

    // The change is in the audit log with its reason.
    await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    const row = admin.getByRole("row", { name: new RegExp(`Revoked a document ${reference("certificate")}`) });
    await row.getByText("Issued in error: the assessment was not completed.").waitFor();
    await checkPage(admin, "admin-audit");

    await verify.reload();
    await verify.getByRole("heading", { name: "Revoked — not valid" }).waitFor();
    await checkPage(verify, "verify-revoked");
    await verify.context().close();
    await admin.context().close();
  });
});
