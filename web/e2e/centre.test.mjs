// The centre portal through the pages (CEN-1..5): a centre user sees the jobs issued to the
// centre's learners and a job's records; searches the records, selects them and asks for a
// download, which the Downloads page shows in progress and then ready, its link answering a zip;
// downloads a whole job; notifies the selected learners and sees who was not e-mailed and why;
// reports a problem on a record. Every page and dialog visited is checked by checkPage.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkPage, fill, newPage, signIn, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;
const issued = {};

const CENTRE = { number: "C-7201", name: "Westfield College" };
const KATE = { first: "Katherine", last: "Johnson", email: "registrar@westfield.test", centre: CENTRE };
// Grace has an account; Ada is only in the records, with no e-mail address.
const GRACE = { first: "Grace", last: "Hopper", dob: "1990-12-09", enrolment: "ENR-4001", email: "grace@learners.test" };
const ADA = { first: "Ada", last: "Lovelace", dob: "1992-12-10", enrolment: "ENR-4002" };
const PASSWORD = "violet tram quietly harbour";
const EV = "Level 3 Award in Electric Vehicle Repair";

function achievement(who, title, code, date, documents) {
  return { enrolment_number: who.enrolment, qualification_title: title, qualification_code: code, award_date: date, units: [{ code: "U1", title: "Working safely", grade: "Pass" }], documents: documents.map((type) => ({ type })) };
}

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
  await portal.importCentres([
    { centre_number: CENTRE.number, name: CENTRE.name, email: "exams@westfield.test" },
    { centre_number: "C-7299", name: "Elsewhere Academy", email: "exams@elsewhere.test" },
  ]);
  await portal.activeLearner(GRACE, PASSWORD);
  await portal.importLearners([{ enrolment_number: ADA.enrolment, first_name: ADA.first, last_name: ADA.last, date_of_birth: ADA.dob }]);
  await portal.activeCentreUser(KATE, PASSWORD);
  // The older job first: the pages list the newest first.
  for (const job of [
    { job_id: "J-CEN-1", centre_number: CENTRE.number, achievements: [achievement(GRACE, "Level 2 Award in Vehicle Maintenance", "600/0000/1", "2026-09-01", ["certificate", "badge"])] },
    {
      job_id: "J-CEN-2",
      centre_number: CENTRE.number,
      achievements: [achievement(GRACE, EV, "603/4182/8", "2026-11-01", ["certificate", "unit_certificate"]), achievement(ADA, "Level 2 Certificate in Light Vehicle Maintenance", "600/1234/5", "2026-10-01", ["certificate"])],
    },
    { job_id: "J-OTHER-1", centre_number: "C-7299", achievements: [achievement(ADA, "Level 1 Award", "600/9999/9", "2026-08-01", ["certificate"])] },
  ]) {
    const answer = await portal.issueJob(job);
    for (const d of answer.documents) issued[`${job.job_id}/${d.enrolment_number}/${d.type}`] = d.reference;
  }
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

async function go(page, link, heading) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
  await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
}

describe("the centre portal in the browser", () => {
  test("a centre user sees the jobs, searches the records, downloads a zip, notifies learners and reports a problem", async () => {
    const page = await newPage(browser);
    await signIn(page, portal, KATE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Katherine" }).waitFor();
    await page.getByText("2 jobs have been issued.").waitFor();
    await checkPage(page, "centre-dashboard");

    // Jobs: this centre's, newest first (not another centre's); a job lists its records.
    await go(page, "Jobs", "Jobs issued");
    await page.getByRole("link", { name: "Job J-CEN-1" }).waitFor();
    const jobs = await page.getByRole("link", { name: /^Job J-/ }).allTextContents();
    assert.deepEqual(jobs, ["Job J-CEN-2", "Job J-CEN-1"]);
    await checkPage(page, "centre-jobs");
    await page.getByRole("link", { name: "Job J-CEN-2" }).click();
    await page.getByRole("heading", { name: "Job J-CEN-2" }).waitFor();
    const certificate = issued[`J-CEN-2/${GRACE.enrolment}/certificate`];
    await page.getByRole("link", { name: `Certificate ${certificate}` }).waitFor();
    await page.getByRole("link", { name: `Certificate ${issued[`J-CEN-2/${ADA.enrolment}/certificate`]}` }).waitFor();
    await checkPage(page, "centre-job");
    await page.getByRole("button", { name: "Download all" }).click();
    await page.getByRole("dialog", { name: "Download documents" }).getByText("A zip file of every document issued in job J-CEN-2").waitFor();
    await checkPage(page, "centre-job-download");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    // A document opens on its page, view only, and leads back to the job.
    await page.getByRole("link", { name: `Certificate ${certificate}` }).click();
    await page.getByRole("heading", { name: `Certificate: ${EV}` }).waitFor();
    const pdf = await page.request.get(`${portal.url}/api/documents/${certificate}/pdf`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()["content-type"], "application/pdf");
    assert.equal(await page.getByRole("button", { name: "Download the PDF" }).count(), 0);
    // Loaded afresh: the PDF frame added by an in-app navigation keeps the network from idling.
    await page.reload();
    await page.getByRole("heading", { name: `Certificate: ${EV}` }).waitFor();
    await checkPage(page, "centre-document");
    await page.getByRole("link", { name: "Back to job J-CEN-2" }).click();
    await page.getByRole("heading", { name: "Job J-CEN-2" }).waitFor();

    // Records: a search by name finds Grace's two records; selecting none says so.
    await go(page, "Records", "Records");
    await page.getByRole("checkbox", { name: /^Select Ada Lovelace/ }).waitFor();
    await checkPage(page, "centre-records");
    await fill(page, "Name, enrolment number or reference", "hopp");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("heading", { name: "Records found: 2" }).waitFor();
    assert.equal(await page.getByRole("checkbox", { name: /^Select Ada Lovelace/ }).count(), 0);
    await page.getByRole("button", { name: "Download", exact: true }).click();
    await page.getByText("Select at least one record first").waitFor();
    await page.getByLabel("Select all records on this page").check();
    await page.getByText("2 records selected: 1 learner, 3 documents to download.").waitFor();
    await checkPage(page, "centre-records-selected");

    // The download: its purpose is required; then the Downloads page.
    await page.getByRole("button", { name: "Download", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Download documents" });
    await dialog.getByRole("button", { name: "Prepare the download" }).click();
    await dialog.getByRole("alert").waitFor();
    assert.equal(await dialog.getByLabel("Purpose of the download").getAttribute("aria-invalid"), "true");
    await checkPage(page, "centre-records-download");
    await fill(page, "Purpose of the download", "Evidence for the regulator's audit");

    // The zip may be ready within moments: its first answers are held at "being prepared" until
    // the progress bar has been seen and checked, then the page's own polling finds it ready.
    let hold = true;
    await page.route(/\/api\/centre\/downloads(\/[^/?]+)?(\?.*)?$/, async (route) => {
      if (!hold || route.request().method() !== "GET") return route.continue();
      const response = await route.fetch();
      const body = await response.json();
      const building = (d) => (d.purpose.startsWith("Evidence") ? { ...d, status: "building", done: 1, total: 3, url: undefined, url_expires_at: undefined } : d);
      await route.fulfill({ response, json: body.items ? { ...body, items: body.items.map(building) } : building(body) });
    });
    const polled = [];
    page.on("request", (r) => {
      if (/\/api\/centre\/downloads\/[^/]+$/.test(new URL(r.url()).pathname)) polled.push(Date.now());
    });
    await dialog.getByRole("button", { name: "Prepare the download" }).click();
    await page.getByRole("heading", { name: "Downloads", level: 1 }).waitFor();
    await page.getByText("Your download has been requested.").waitFor();
    const progress = page.getByRole("progressbar");
    await progress.waitFor();
    assert.equal(await progress.getAttribute("max"), "3");
    assert.equal(await progress.getAttribute("value"), "1");
    await page.getByText("1 of 3 documents").waitFor();
    await checkPage(page, "centre-downloads-progress");
    // The page asks again while the zip is being prepared.
    await page.waitForRequest((r) => /\/api\/centre\/downloads\/[^/]+$/.test(new URL(r.url()).pathname));
    hold = false;
    const ready = page.getByRole("button", { name: /^Download zip / });
    await ready.waitFor({ timeout: 30_000 });
    await page.getByText(/Available until /).waitFor();
    // Nothing is prepared any more: the page stops asking.
    const asked = polled.length;
    await page.waitForTimeout(4_500);
    assert.equal(polled.length, asked, "no polling once every download is ready");
    await checkPage(page, "centre-downloads");

    // The button fetches a fresh signed link and goes to it: a zip of the selected PDFs.
    const download = page.waitForEvent("download");
    await ready.click();
    const file = await download;
    const zip = await page.request.get(file.url());
    assert.equal(zip.status(), 200);
    assert.equal(zip.headers()["content-type"], "application/zip");
    const bytes = await zip.body();
    assert.equal(bytes.subarray(0, 2).toString(), "PK");
    for (const reference of [certificate, issued[`J-CEN-2/${GRACE.enrolment}/unit_certificate`], issued[`J-CEN-1/${GRACE.enrolment}/certificate`]]) {
      assert.ok(bytes.includes(reference), `the zip holds ${reference}`);
    }
    assert.ok(!bytes.includes(issued[`J-CEN-1/${GRACE.enrolment}/badge`]), "no badge in the zip");
    assert.ok(bytes.includes(`Hopper_Grace_${GRACE.enrolment}/`), "a folder per learner");

    // A whole job, from its page.
    await go(page, "Jobs", "Jobs issued");
    await page.getByRole("link", { name: "Job J-CEN-1" }).click();
    await page.getByRole("heading", { name: "Job J-CEN-1" }).waitFor();
    await page.getByRole("button", { name: "Download all" }).click();
    await fill(page, "Purpose of the download", "Our own records");
    await page.getByRole("dialog").getByRole("button", { name: "Prepare the download" }).click();
    await page.getByRole("heading", { name: "Downloads", level: 1 }).waitFor();
    await page.getByRole("button", { name: /^Download zip / }).nth(1).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole("button", { name: /^Download zip / }).count(), 2);

    // Notify: every learner of every record; Ada has no e-mail address, so she is not told.
    await go(page, "Records", "Records");
    await page.getByLabel("Select all records on this page").check();
    await page.getByText("3 records selected: 2 learners, 4 documents to download.").waitFor();
    await page.getByRole("button", { name: "Notify learners" }).click();
    const notify = page.getByRole("dialog", { name: "Notify 2 learners?" });
    await notify.getByText(`${ADA.first} ${ADA.last} (${ADA.enrolment})`).waitFor();
    await checkPage(page, "centre-notify");
    await notify.getByRole("button", { name: "Yes, notify them" }).click();
    const notified = page.getByRole("dialog", { name: "Learners notified" });
    await notified.getByText("1 learner was e-mailed that their documents are available.").waitFor();
    await notified.getByText(`${ADA.first} ${ADA.last} (${ADA.enrolment})`).waitFor();
    assert.equal(await notified.getByRole("listitem").count(), 1);
    const told = await portal.mail(GRACE.email, /^Your documents from .* are available$/);
    assert.ok(told.text.includes(certificate), told.text);
    await checkPage(page, "centre-notified");
    await notified.getByRole("button", { name: "Close", exact: true }).last().click();
    // Again at once: Grace was told a moment ago, so no one is e-mailed, and each is said why.
    await page.getByRole("button", { name: "Notify learners" }).click();
    await page.getByRole("dialog", { name: "Notify 2 learners?" }).getByRole("button", { name: "Yes, notify them" }).click();
    await notified.getByText("No learners were e-mailed.").waitFor();
    await notified.getByText(`${GRACE.first} ${GRACE.last} (${GRACE.enrolment})`).waitFor();
    assert.equal(await notified.getByRole("listitem").count(), 2);
    await page.keyboard.press("Escape");

    // Report a problem on a record: a document of it, a reason and a description, as DOC-6.
    await page.getByRole("button", { name: `Report a problem with the record of Grace Hopper, ${EV}` }).click();
    const report = page.getByRole("dialog", { name: "Report a problem with a document of Grace Hopper" });
    await report.getByRole("button", { name: "Send the report" }).click();
    await report.getByRole("alert").getByRole("link", { name: "What is wrong?: is required" }).waitFor();
    await checkPage(page, "centre-report");
    await report.getByRole("group", { name: "Which document?" }).getByRole("radio").nth(1).check();
    await report.getByRole("group", { name: "What is wrong?" }).getByRole("radio").first().check();
    await fill(page, "Tell us more", "The unit title is misspelt.");
    await report.getByRole("button", { name: "Send the report" }).click();
    const unit = issued[`J-CEN-2/${GRACE.enrolment}/unit_certificate`];
    await page.getByText(`Your report on ${unit} has been sent`).waitFor();
    await checkPage(page, "centre-reported");
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  test("a centre user cannot see another centre's job, and other accounts cannot use the centre pages", async () => {
    const page = await newPage(browser);
    await signIn(page, portal, KATE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Katherine" }).waitFor();
    await page.goto(`${portal.url}/centre/jobs/J-OTHER-1`);
    await page.getByRole("heading", { name: "Job not found" }).waitFor();
    await checkPage(page, "centre-job-not-found");
    await page.context().close();

    const learner = await newPage(browser);
    await signIn(learner, portal, GRACE.email, PASSWORD);
    await learner.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await learner.goto(`${portal.url}/centre/records`);
    await learner.getByRole("heading", { name: "Not available to your account" }).waitFor();
    await learner.context().close();
  });
});
