// The back office's newer journeys (ORD-6, ADM-4, CEN-6): an administrator prints a pack of two
// paid orders (the PDF answers, the orders show processing), places an order for a learner (who
// then sees it created by the administrator), changes the organisation's name and a price in the
// configuration console (a negative price refused beside its field first; the version list shows
// the change), then finds the change and a learner's sign-ins in the audit log, filtered, and downloads
// them as CSV; a centre user downloads a statement as a PDF, and the administrator the same from
// the centre's account. Every page visited is checked by checkPage, and at 1280 px too.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, apiAs as apiAsIn, checkWide, fill, go, newPage, signIn, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;
const issued = {};
const orders = {};

const CENTRE = { number: "C-7201", name: "Northgate College" };
const KATE = { first: "Katherine", last: "Johnson", email: "registrar@northgate.test", centre: CENTRE };
const GRACE = { first: "Grace", last: "Hopper", dob: "1990-12-09", enrolment: "ENR-5001", email: "grace@learners.test" };
const PASSWORD = "violet tram quietly harbour";
const TITLE = "Level 3 Award in Electric Vehicle Repair";

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
  await portal.importCentres([{ centre_number: CENTRE.number, name: CENTRE.name, email: "exams@northgate.test" }]);
  await portal.activeLearner(GRACE, PASSWORD);
  await portal.activeCentreUser(KATE, PASSWORD);
  const achievement = { enrolment_number: GRACE.enrolment, qualification_title: TITLE, qualification_code: "603/4182/8", award_date: "2026-11-01", units: [{ code: "U1", title: "Working safely with high voltage", grade: "Pass" }], documents: [{ type: "certificate" }, { type: "unit_certificate" }] };
  const answer = await portal.issueJob({ job_id: "J-AC-1", centre_number: CENTRE.number, achievements: [achievement] });
  for (const d of answer.documents) issued[d.type] = d.reference;

  // Two paid orders of Grace's, by card.
  const grace = await apiAs(GRACE.email, PASSWORD);
  const home = await grace("POST", "/api/me/addresses", { label: "Home", recipient: "Grace Hopper", line1: "12 Analytical Row", city: "Leeds", postcode: "LS1 4AP", country: "GB" }, 201);
  orders.home = home.id;
  orders.paid = [];
  for (const [product, reference] of [
    ["replacement-certificate", issued.certificate],
    ["replacement-unit-certificate", issued.unit_certificate],
  ]) {
    await grace("POST", "/api/basket/items", { product_id: product, reference }, 201);
    const placed = await grace("POST", "/api/checkout", { billing_address_id: home.id, delivery_address_id: home.id, delivery_option: "uk-first-class", payment_method: "card" }, 201, { "idempotency-key": `grace-${reference}` });
    const paid = await fetch(placed.payment_url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "outcome=paid", redirect: "manual" });
    assert.ok(paid.status < 400, `the local provider's page answered ${paid.status}`);
    orders.paid.push({ id: placed.id, number: placed.number });
  }

  // The centre's order on account, for a statement.
  const admin = await apiAs(ADMIN.email, ADMIN.password);
  await admin("PUT", `/api/admin/centres/${CENTRE.number}/credit`, { limit: 10_000 });
  const kate = await apiAs(KATE.email, PASSWORD);
  const office = await kate("POST", "/api/me/addresses", { label: "Office", recipient: "Katherine Johnson", line1: "1 College Road", city: "Leeds", postcode: "LS2 9JT", country: "GB" }, 201);
  await kate("POST", "/api/basket/items", { product_id: "replacement-certificate", reference: issued.certificate, reason: "Lost" }, 201);
  await kate("POST", "/api/checkout", { billing_address_id: office.id, delivery_address_id: office.id, delivery_option: "uk-first-class", payment_method: "centre_credit" }, 201, { "idempotency-key": "kate-statement-1" });
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

function apiAs(email, password) {
  return apiAsIn(portal, email, password);
}

const check = checkWide;


/** A PDF link's answer, fetched with the page's session. */
async function expectPdf(page, link) {
  const href = await link.getAttribute("href");
  const answer = await page.request.get(new URL(href, portal.url).href);
  assert.equal(answer.status(), 200, href);
  assert.equal(answer.headers()["content-type"], "application/pdf", href);
}

async function adminPage() {
  const page = await newPage(browser);
  await signIn(page, portal, ADMIN.email, ADMIN.password);
  await page.getByRole("heading", { name: "Welcome, Portal" }).waitFor();
  return page;
}

describe("the back office's print packs, orders on behalf, configuration and statements", () => {
  test("an administrator prints a pack of two paid orders", async () => {
    const page = await adminPage();
    await go(page, "Orders", "Orders");
    for (const o of orders.paid) await page.getByRole("link", { name: `Order ${o.number}` }).waitFor();
    // The product filter names the configured products.
    await page.getByText("Filter the orders").click();
    const products = await page.getByLabel("Product").locator("option").allTextContents();
    assert.ok(products.includes("Replacement certificate"), products.join(" | "));
    await page.getByText("Filter the orders").click();

    // Nothing chosen: said beside the choice.
    await page.getByRole("button", { name: "Print selected" }).click();
    await page.getByRole("alert").getByRole("link").first().waitFor();
    assert.equal(await page.getByLabel("Select all paid orders shown").getAttribute("aria-invalid"), "true");
    await check(page, "print-pack-error");

    await page.getByLabel("Select all paid orders shown").check();
    await page.getByText("3 orders selected to print.").waitFor();
    // Only Grace's two: the centre's order is left unticked.
    await page.getByLabel("Select all paid orders shown").uncheck();
    for (const o of orders.paid) await page.getByRole("checkbox", { name: `Select to print order ${o.number}` }).check();
    await page.getByText("2 orders selected to print.").waitFor();
    await check(page, "print-pack-selected");
    await page.getByRole("button", { name: "Print selected" }).click();
    await page.getByRole("heading", { name: "Print pack ready" }).waitFor();
    const inPack = page.getByRole("list", { name: "Orders in the print pack" });
    for (const o of orders.paid) await inPack.getByRole("link", { name: `Order ${o.number}` }).waitFor();
    await expectPdf(page, page.getByRole("link", { name: "Open the print pack (PDF)" }));
    // The queue now shows them processing.
    for (const o of orders.paid) {
      await page.getByRole("checkbox", { name: `Select to print order ${o.number}` }).waitFor();
    }
    await page.getByText("No orders selected to print.").waitFor();
    await check(page, "print-pack-printed");
    for (const o of orders.paid) {
      await page.goto(`${portal.url}/admin/orders/${o.id}`);
      await page.getByRole("heading", { name: `Order ${o.number}`, level: 1 }).waitFor();
      await page.getByText("Processing", { exact: true }).first().waitFor();
    }
    await page.context().close();
  });

  test("an administrator places an order for a learner, who sees it created by the administrator", async () => {
    const page = await adminPage();
    await go(page, "Accounts", "Accounts");
    await fill(page, "E-mail address starts with", "grace");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: "Grace Hopper" }).click();
    await page.getByRole("heading", { name: "Grace Hopper", level: 1 }).waitFor();
    const form = page.getByRole("region", { name: "Place an order for this person" });
    await form.getByLabel("Product").selectOption("replacement-certificate");
    await fill(form, "Document reference", "NOT-A-REFERENCE");
    await form.getByLabel("Delivery", { exact: true }).selectOption("uk-first-class");
    await form.getByRole("button", { name: "Place the order" }).click();
    // An unknown document: said beside its field.
    await form.getByRole("alert").waitFor();
    assert.equal(await form.getByLabel("Document reference").getAttribute("aria-invalid"), "true");
    await check(page, "on-behalf-error");
    await fill(form, "Document reference", issued.certificate);
    await form.getByRole("button", { name: "Place the order" }).click();
    await form.getByText(/is placed for Grace Hopper: £33\.50, awaiting payment\. They have been e-mailed a link to pay\./).waitFor();
    const link = form.getByRole("status").getByRole("link");
    const number = (await link.textContent()).trim();
    await check(page, "on-behalf-placed");
    await link.click();
    await page.getByRole("heading", { name: `Order ${number}`, level: 1 }).waitFor();
    await page.getByText(/by Portal Administrator \(Administrator\)/).waitFor();
    await page.context().close();

    const learner = await newPage(browser);
    await signIn(learner, portal, GRACE.email, PASSWORD);
    await learner.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await go(learner, "Orders", "Your orders");
    await learner.getByRole("link", { name: `Order ${number}` }).click();
    await learner.getByRole("heading", { name: `Order ${number}`, level: 1 }).waitFor();
    await learner.getByText(/Portal Administrator/).first().waitFor();
    await check(learner, "on-behalf-learner-order");
    await learner.context().close();
  });

  test("an administrator changes the organisation's name and a price in the configuration console", async () => {
    const page = await adminPage();
    await go(page, "Configuration", "Configuration");
    await page.getByRole("heading", { name: "Version 0" }).waitFor();
    await check(page, "config");
    await fill(page, "Organisation name", "Northern Awards");
    const product = page.getByRole("group", { name: /^Product 1/ });
    await product.getByLabel("Price (£)").fill("-1");
    await page.getByRole("button", { name: "Save the configuration" }).click();
    await page.getByRole("alert").getByRole("link").first().waitFor();
    assert.equal(await product.getByLabel("Price (£)").getAttribute("aria-invalid"), "true");
    await check(page, "config-error");
    await product.getByLabel("Price (£)").fill("35");
    await page.getByRole("button", { name: "Save the configuration" }).click();
    await page.getByText(/^Version 1 is saved\. Saved by Portal Administrator on .*Changed: .*organisation_name/).waitFor();
    await page.getByRole("heading", { name: "Version 1", level: 2 }).waitFor();
    const versions = page.getByRole("list", { name: "Saved versions, newest first" });
    await versions.getByRole("heading", { name: "Version 1" }).waitFor();
    await versions.getByText(/organisation_name/).waitFor();
    await versions.getByText(/products/).waitFor();
    await check(page, "config-saved");
    // The form now shows what was saved.
    assert.equal(await page.getByLabel("Organisation name").inputValue(), "Northern Awards");
    assert.equal(await page.getByRole("group", { name: /^Product 1/ }).getByLabel("Price (£)").inputValue(), "35.00");
    await page.context().close();
  });

  test("an administrator finds changes and sign-ins in the audit log, filtered, and downloads them as CSV", async () => {
    const page = await adminPage();
    await go(page, "Audit log", "Audit log");
    // A month that is not one: said beside its field.
    await fill(page, "Month", "2026-13");
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByRole("alert").getByRole("link", { name: /Month/ }).waitFor();
    assert.equal(await page.getByLabel("Month").getAttribute("aria-invalid"), "true");
    await check(page, "audit-error");
    await fill(page, "Month", "");

    // The configuration change, with who made it and from which address.
    await page.getByLabel("Kind of action").selectOption("config.");
    await page.getByRole("button", { name: "Show" }).click();
    const change = page.getByRole("row", { name: /Changed the configuration/ }).first();
    await change.getByText(ADMIN.email).waitFor();
    await change.getByText("127.0.0.1").waitFor();
    assert.equal(await page.getByRole("row", { name: /Signed in/ }).count(), 0, "only configuration changes are listed");
    await check(page, "audit-config");

    // Grace's sign-ins alone, and the same as CSV.
    await page.getByLabel("Kind of action").selectOption("auth.");
    await fill(page, "Who", GRACE.email);
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByRole("row", { name: new RegExp(`${GRACE.email} Signed in`) }).first().waitFor();
    assert.equal(await page.getByRole("row", { name: /Changed the configuration/ }).count(), 0);
    await check(page, "audit-sign-ins");
    const href = await page.getByRole("link", { name: "Download these as CSV" }).getAttribute("href");
    assert.match(href, /action=auth\./);
    const csv = await page.request.get(new URL(href, portal.url).href);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()["content-type"], /^text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    assert.equal(lines[0], "at,actor_email,actor_id,action,target,detail,client");
    assert.ok(lines.length > 1 && lines.slice(1).every((l) => l.includes(`,${GRACE.email},`) && l.includes(",auth.")), lines.join("\n"));
    await page.context().close();
  });

  test("a centre downloads a statement as a PDF, and an administrator the same", async () => {
    const month = new Date().toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "Europe/London" });
    const page = await newPage(browser);
    await signIn(page, portal, KATE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Katherine" }).waitFor();
    await go(page, "Account", "Account");
    const link = page.getByRole("link", { name: `Download statement for ${month} (PDF)` });
    await expectPdf(page, link);
    await check(page, "statement-centre");
    await page.context().close();

    const admin = await adminPage();
    await admin.goto(`${portal.url}/admin/centres?centre=${CENTRE.number}`);
    await admin.getByRole("heading", { name: `Centre ${CENTRE.number}` }).waitFor();
    await expectPdf(admin, admin.getByRole("link", { name: `Download statement for ${month} (PDF)` }));
    await check(admin, "statement-admin");
    await admin.context().close();
  });
});
