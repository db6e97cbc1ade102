// The back office's journeys through the pages (CEN-6, ORD-6): an administrator opens a centre's
// credit account; a centre user orders printed copies for two learners from their records, each
// with a duplicate reason, pays on account and sees the centre's credit fall; the administrator
// finds the order in the filtered queue, moves it paid → processing → dispatched with a tracking
// number, meets another administrator's change (409) on a learner's card order and refunds part
// of it, and records the centre's payment; each buyer sees every change on their order page. Then
// an order past the centre's credit is refused beside the payment choice, and an administrator
// prices a delivery priced by the team. Every page visited is checked by checkPage, and for
// sideways scrolling at 1280 px too.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, apiAs as apiAsIn, checkWide, fill, go, newPage, signIn, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;
const issued = {};
/** What one journey leaves for the next: the orders' ids and numbers. */
const orders = {};

const CENTRE = { number: "C-7201", name: "Northgate College" };
const KATE = { first: "Katherine", last: "Johnson", email: "registrar@northgate.test", centre: CENTRE };
// Grace has an account (she buys by card); Ada is only in the records.
const GRACE = { first: "Grace", last: "Hopper", dob: "1990-12-09", enrolment: "ENR-5001", email: "grace@learners.test" };
const ADA = { first: "Ada", last: "Lovelace", dob: "1992-12-10", enrolment: "ENR-5002" };
const PASSWORD = "violet tram quietly harbour";
const TITLE = "Level 3 Award in Electric Vehicle Repair";

function achievement(who, documents) {
  return { enrolment_number: who.enrolment, qualification_title: TITLE, qualification_code: "603/4182/8", award_date: "2026-11-01", units: [{ code: "U1", title: "Working safely with high voltage", grade: "Pass" }], documents: documents.map((type) => ({ type })) };
}

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
  await portal.importCentres([{ centre_number: CENTRE.number, name: CENTRE.name, email: "exams@northgate.test" }]);
  await portal.activeLearner(GRACE, PASSWORD);
  await portal.importLearners([{ enrolment_number: ADA.enrolment, first_name: ADA.first, last_name: ADA.last, date_of_birth: ADA.dob }]);
  await portal.activeCentreUser(KATE, PASSWORD);
  const answer = await portal.issueJob({ job_id: "J-BO-1", centre_number: CENTRE.number, achievements: [achievement(GRACE, ["certificate", "badge"]), achievement(ADA, ["certificate"])] });
  for (const d of answer.documents) issued[`${d.enrolment_number}/${d.type}`] = d.reference;
  const kate = await apiAs(KATE.email, PASSWORD);
  await kate("POST", "/api/me/addresses", { label: "Office", recipient: "Katherine Johnson", line1: "1 College Road", city: "Leeds", postcode: "LS2 9JT", country: "GB" }, 201);
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

function apiAs(email, password) {
  return apiAsIn(portal, email, password);
}

const check = checkWide;


/** What a definition list in `scope` (the page, or a part of it) says for a term: the first such term. */
function definition(scope, term) {
  const exact = new RegExp(`^\\s*${term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`);
  const root = "page" in scope ? scope.page() : scope;
  return scope
    .locator("xpath=.//div[dt]")
    .filter({ has: root.locator("xpath=./dt").filter({ hasText: exact }) })
    .first()
    .locator("dd");
}

async function expectDefinition(scope, term, text) {
  await definition(scope, term).filter({ hasText: text }).waitFor();
}

describe("the back office in the browser", () => {
  test("an administrator finds a centre's account and sets its credit limit", async () => {
    const page = await newPage(browser);
    await signIn(page, portal, ADMIN.email, ADMIN.password);
    await page.getByRole("heading", { name: "Welcome, Portal" }).waitFor();
    await go(page, "Centre credit", "Centre credit");
    await check(page, "back-office-centre-credit-find");

    // An unknown centre is said so.
    await fill(page, "Centre number", "C-0000");
    await page.getByRole("button", { name: "Find" }).click();
    await page.getByRole("alert").getByText("No centre has this number").waitFor();
    await check(page, "back-office-centre-credit-unknown");

    await fill(page, "Centre number", CENTRE.number.toLowerCase());
    await page.getByRole("button", { name: "Find" }).click();
    await page.getByRole("heading", { name: `Centre ${CENTRE.number}` }).waitFor();
    assert.match(page.url(), /\/admin\/centres\?centre=C-7201$/);
    const account = page.locator(`dl[aria-label="The account of centre ${CENTRE.number}"]`);
    await expectDefinition(account, "Credit limit", "£0.00");
    await expectDefinition(account, "Available for orders on account", "£0.00");
    await page.getByText("The centre owes nothing: there is no payment to record.").waitFor();

    // Not an amount: said beside the field; then £100.
    await fill(page, "Credit limit (£)", "a hundred");
    await page.getByRole("button", { name: "Save the limit" }).click();
    await page.getByRole("alert").getByRole("link", { name: /^Enter the credit limit in pounds/ }).waitFor();
    assert.equal(await page.getByLabel("Credit limit (£)").getAttribute("aria-invalid"), "true");
    await check(page, "back-office-centre-credit-error");
    await fill(page, "Credit limit (£)", "100");
    await page.getByRole("button", { name: "Save the limit" }).click();
    await page.getByText(`The credit limit of centre ${CENTRE.number} is now £100.00: £100.00 is available for orders on account.`).waitFor();
    await expectDefinition(account, "Available for orders on account", "£100.00");
    await check(page, "back-office-centre-credit");

    // Audited.
    await go(page, "Audit log", "Audit log");
    await page.getByText("Set a centre's credit limit").first().waitFor();
    await page.context().close();
  });

  test("a centre user orders for two learners on account and sees the credit fall", async () => {
    const page = await newPage(browser);
    await signIn(page, portal, KATE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Katherine" }).waitFor();

    // The account before: £100 of credit, nothing owed, no statement yet.
    await go(page, "Account", "Account");
    const credit = page.locator('dl[aria-label="Credit"]');
    await expectDefinition(credit, "Credit limit", "£100.00");
    await expectDefinition(credit, "Owed now", "£0.00");
    await expectDefinition(credit, "Available for orders on account", "£100.00");
    await page.getByText("Nothing has been charged to your centre's account yet.").waitFor();
    await check(page, "back-office-centre-account-empty");

    // Records → Grace's record → the store with her certificate.
    const grace = issued[`${GRACE.enrolment}/certificate`];
    const ada = issued[`${ADA.enrolment}/certificate`];
    await go(page, "Records", "Records");
    await page.getByRole("link", { name: `Order a printed copy for Grace Hopper, ${TITLE}` }).click();
    await page.getByRole("heading", { name: "Order a printed copy for Grace Hopper", level: 1 }).waitFor();
    const graceReason = `Reason for the duplicate of Replacement certificate for certificate ${grace}`;
    // Without a reason: said beside the select.
    await page.getByRole("button", { name: `Add to basket Replacement certificate for certificate ${grace}` }).click();
    await page.getByRole("alert").getByRole("link", { name: /Choose why a duplicate is needed$/ }).waitFor();
    assert.equal(await page.getByLabel(graceReason).getAttribute("aria-invalid"), "true");
    await check(page, "back-office-centre-store-error");
    const reasons = await page.getByLabel(graceReason).locator("option").allTextContents();
    assert.deepEqual(reasons, ["Choose a reason", "Lost", "Damaged", "Name change", "Never received"]);
    await page.getByLabel(graceReason).selectOption("Lost");
    await page.getByRole("button", { name: `Add to basket Replacement certificate for certificate ${grace}` }).click();
    await page.getByText(`Replacement certificate for Grace Hopper's certificate ${grace} (reason: Lost) is in your basket.`).waitFor();
    await page.getByRole("banner").getByRole("link", { name: "Basket: 1 item, £30.00" }).waitFor();
    await check(page, "back-office-centre-store");

    // Back to the records for the second learner.
    await page.getByRole("link", { name: "order for another learner", exact: true }).click();
    await page.getByRole("heading", { name: "Records", level: 1 }).waitFor();
    await page.getByRole("link", { name: `Order a printed copy for Ada Lovelace, ${TITLE}` }).click();
    await page.getByRole("heading", { name: "Order a printed copy for Ada Lovelace", level: 1 }).waitFor();
    await page.getByLabel(`Reason for the duplicate of Replacement certificate for certificate ${ada}`).selectOption("Damaged");
    await page.getByRole("button", { name: `Add to basket Replacement certificate for certificate ${ada}` }).click();
    await page.getByText(`Replacement certificate for Ada Lovelace's certificate ${ada} (reason: Damaged) is in your basket.`).waitFor();
    await page.getByRole("banner").getByRole("link", { name: "Basket: 2 items, £60.00" }).click();

    // The basket: each line's learner and reason.
    await page.getByRole("heading", { name: "Your basket", level: 1 }).waitFor();
    for (const [learner, reason] of [
      ["Grace Hopper", "Lost"],
      ["Ada Lovelace", "Damaged"],
    ]) {
      const line = page.getByRole("article").filter({ hasText: learner });
      await expectDefinition(line, "Candidate", learner);
      await expectDefinition(line, "Reason for the duplicate", reason);
    }
    await check(page, "back-office-centre-basket");
    await page.getByRole("link", { name: "Continue to checkout" }).click();

    // Checkout: the centre's address, first-class post, then on account beside card.
    await page.getByRole("heading", { name: "Step 1 of 3: Addresses" }).waitFor();
    await page.getByRole("radio", { name: "Office: Katherine Johnson" }).check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Step 2 of 3: Delivery" }).waitFor();
    await page.getByRole("radio", { name: /^UK 1st class post/ }).check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Step 3 of 3: Review and pay" }).waitFor();
    const onAccount = page.getByRole("radio", { name: "On account" });
    await onAccount.waitFor();
    assert.equal(await onAccount.isChecked(), true, "on account is chosen when the order fits the credit");
    await page.getByText("Available credit: £100.00 (a limit of £100.00; £0.00 owed).").waitFor();
    // Card is there too, and changes the button.
    await page.getByRole("radio", { name: "By card" }).check();
    await page.getByRole("button", { name: "Pay £63.50" }).waitFor();
    await onAccount.check();
    await check(page, "back-office-centre-checkout-on-account");
    await page.getByRole("button", { name: "Place the order on account, £63.50" }).click();

    // The order opens paid, with each line's learner and reason.
    await page.waitForURL(/\/orders\/[^/?]+$/);
    orders.centre = { id: new URL(page.url()).pathname.split("/").pop() };
    await page.getByText("Your order is placed and paid on account").waitFor();
    await page.getByText("Paid", { exact: true }).first().waitFor();
    await page.getByText(/^Charged to your centre's account on /).waitFor();
    await page.getByText("Reason: Lost").waitFor();
    await page.getByText("Reason: Damaged").waitFor();
    orders.centre.number = (await page.getByRole("heading", { level: 1 }).textContent()).replace("Order ", "");
    // The VAT receipt, as for an order paid by card.
    const receipt = await page.request.get(`${portal.url}${await page.getByRole("link", { name: /^Your VAT receipt/ }).getAttribute("href")}`);
    assert.equal(receipt.status(), 200);
    assert.equal(receipt.headers()["content-type"], "application/pdf");
    await check(page, "back-office-centre-order-paid");
    await page.getByRole("banner").getByRole("link", { name: "Basket: 0 items" }).waitFor();

    // The credit fell by the order's total; the statement lists the charge.
    await go(page, "Account", "Account");
    await expectDefinition(credit, "Owed now", "£63.50");
    await expectDefinition(credit, "Available for orders on account", "£36.50");
    const month = new Date().toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "Europe/London" });
    const statement = page.locator(`dl[aria-label="Statement for ${month}"]`);
    await expectDefinition(statement, "Orders charged", "£63.50");
    await expectDefinition(statement, "Owed at the end of the month", "£63.50");
    await page.getByRole("link", { name: orders.centre.number }).waitFor();
    await check(page, "back-office-centre-account");

    const mail = await portal.mail(KATE.email, new RegExp(`^Order ${orders.centre.number} confirmed`));
    assert.ok(mail.text.includes("£63.50"), mail.text);
    await page.context().close();
  });

  test("an administrator moves the order to dispatched with a tracking number, meets another's change, refunds part of another order and records the centre's payment", async () => {
    // Grace's own order, paid by card on the local provider's page.
    const grace = await apiAs(GRACE.email, PASSWORD);
    const home = await grace("POST", "/api/me/addresses", { label: "Home", recipient: "Grace Hopper", line1: "12 Analytical Row", city: "Leeds", postcode: "LS1 4AP", country: "GB" }, 201);
    await grace("POST", "/api/basket/items", { product_id: "replacement-certificate", reference: issued[`${GRACE.enrolment}/certificate`] }, 201);
    const placed = await grace("POST", "/api/checkout", { billing_address_id: home.id, delivery_address_id: home.id, delivery_option: "uk-first-class", payment_method: "card" }, 201, { "idempotency-key": "grace-back-office-1" });
    const paid = await fetch(placed.payment_url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "outcome=paid", redirect: "manual" });
    assert.ok(paid.status < 400, `the local provider's page answered ${paid.status}`);
    orders.grace = { id: placed.id, number: placed.number };
    assert.equal((await grace("GET", `/api/orders/${placed.id}`)).status, "paid");

    const page = await newPage(browser);
    await signIn(page, portal, ADMIN.email, ADMIN.password);
    await page.getByRole("heading", { name: "Welcome, Portal" }).waitFor();
    await go(page, "Orders", "Orders");
    await page.getByRole("link", { name: `Order ${orders.grace.number}` }).waitFor();
    await check(page, "back-office-admin-queue");

    // The queue filtered by centre and status: the address keeps the filters.
    await page.getByText("Filter the orders").click();
    await fill(page, "Centre number", CENTRE.number);
    await page.getByLabel("Status").selectOption("paid");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.getByRole("heading", { name: "Orders found: 1" }).waitFor();
    assert.match(page.url(), /\/admin\/orders\?status=paid&centre=C-7201$/);
    assert.equal(await page.getByRole("link", { name: `Order ${orders.grace.number}` }).count(), 0);
    await page.reload();
    await page.getByRole("heading", { name: "Orders found: 1" }).waitFor();
    assert.equal(await page.getByLabel("Centre number").inputValue(), CENTRE.number);
    await expectDefinition(page, "Candidates", "Grace Hopper, Ada Lovelace");
    await expectDefinition(page, "Buyer", `Katherine Johnson (Centre ${CENTRE.number})`);
    await check(page, "back-office-admin-queue-filtered");
    // A bad total is said beside its field.
    await fill(page, "Total from (£)", "lots");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.getByRole("alert").getByRole("link", { name: "Enter the lowest total in pounds, such as 25 or 25.50" }).waitFor();
    await fill(page, "Total from (£)", "");
    await page.getByRole("link", { name: `Order ${orders.centre.number}` }).click();

    // The order: the buyer, the lines with the candidates and reasons; one move allowed.
    await page.getByRole("heading", { name: `Order ${orders.centre.number}`, level: 1 }).waitFor();
    await expectDefinition(page, "Buyer", `Katherine Johnson (Centre ${CENTRE.number}), ${KATE.email}`);
    await expectDefinition(page, "Payment", "On account");
    await page.getByText("Reason: Lost").waitFor();
    await page.getByText(`Grace Hopper (${GRACE.enrolment})`).waitFor();
    assert.deepEqual(await page.getByRole("region", { name: "Change the status" }).getByRole("button").allTextContents(), ["Start processing…"]);
    await check(page, "back-office-admin-order");
    await page.getByRole("button", { name: "Start processing…" }).click();
    await fill(page, "Note to the buyer", "Being printed today.");
    await check(page, "back-office-admin-order-move");
    await page.getByRole("button", { name: "Move to processing" }).click();
    await page.getByText(`Order ${orders.centre.number} is now processing. The buyer has been e-mailed.`).waitFor();

    // Dispatching asks for the carrier.
    await page.getByRole("button", { name: "Mark as dispatched…" }).click();
    await page.getByRole("button", { name: "Mark as dispatched", exact: true }).click();
    await page.getByRole("alert").getByRole("link", { name: "Enter who carries it, such as Royal Mail" }).waitFor();
    assert.equal(await page.getByLabel("Carrier").getAttribute("aria-invalid"), "true");
    await check(page, "back-office-admin-order-dispatch-error");
    await fill(page, "Carrier", "Royal Mail");
    await fill(page, "Tracking number", "AB123456789GB");
    await fill(page, "Note to the buyer", "Sent by tracked post.");
    await page.getByRole("button", { name: "Mark as dispatched", exact: true }).click();
    await page.getByText(`Order ${orders.centre.number} is now dispatched. The buyer has been e-mailed.`).waitFor();
    const dispatch = page.locator('dl[aria-label="Dispatch"]');
    await expectDefinition(dispatch, "Carrier", "Royal Mail");
    await expectDefinition(dispatch, "Tracking number", "AB123456789GB");
    assert.deepEqual(await page.getByRole("region", { name: "Change the status" }).getByRole("button").allTextContents(), ["Mark as complete…"]);
    await check(page, "back-office-admin-order-dispatched");

    // Grace's order: another administrator moves it while this page is open.
    await page.goto(`${portal.url}/admin/orders/${orders.grace.id}`);
    await page.getByRole("heading", { name: `Order ${orders.grace.number}`, level: 1 }).waitFor();
    const other = await apiAs(ADMIN.email, ADMIN.password);
    await other("PATCH", `/api/admin/orders/${orders.grace.id}`, { status: "processing", note: "Moved by a colleague." });
    await page.getByRole("button", { name: "Start processing…" }).click();
    await page.getByRole("button", { name: "Move to processing" }).click();
    await page.getByText("Someone else changed this order while you had it open, so your change was not made.", { exact: false }).waitFor();
    await page.getByText("Processing", { exact: true }).first().waitFor();
    await page.getByRole("button", { name: "Mark as dispatched…" }).waitFor();
    await check(page, "back-office-admin-order-conflict");

    // A part refunded: more than was paid is refused beside the field.
    await fill(page, "Amount to refund (£)", "40");
    await fill(page, "Reason", "Courier was late");
    await page.getByRole("button", { name: "Refund", exact: true }).click();
    await page.getByRole("alert").getByRole("link", { name: "The most that can be refunded is £33.50" }).waitFor();
    await check(page, "back-office-admin-refund-error");
    await fill(page, "Amount to refund (£)", "9.99");
    await page.getByRole("button", { name: "Refund", exact: true }).click();
    await page.getByText("£9.99 is refunded to the card it was paid with. £23.51 is left to refund. The buyer has been e-mailed.").waitFor();
    await expectDefinition(page, "Left to refund", "£23.51");
    await page.getByRole("region", { name: "Refunds" }).getByText(/refund re_/).waitFor();
    await check(page, "back-office-admin-refunded");

    // The centre's payment received: its credit is whole again.
    await page.goto(`${portal.url}/admin/centres?centre=${CENTRE.number}`);
    await page.getByRole("heading", { name: `Centre ${CENTRE.number}` }).waitFor();
    const account = page.locator(`dl[aria-label="The account of centre ${CENTRE.number}"]`);
    await expectDefinition(account, "Owed now", "£63.50");
    await expectDefinition(account, "Available for orders on account", "£36.50");
    await fill(page, "Amount received (£)", "63.50");
    await fill(page, "Reference", "BACS 0001");
    await page.getByRole("button", { name: "Record the payment" }).click();
    await page.getByText(`£63.50 received from centre ${CENTRE.number} is recorded: it owes £0.00, and £100.00 is available for orders on account.`).waitFor();
    await expectDefinition(account, "Available for orders on account", "£100.00");
    await check(page, "back-office-admin-payment");
    await page.context().close();
  });

  test("each buyer sees every change on their order page", async () => {
    // The centre user: processing, then dispatched with the carrier and tracking number.
    const page = await newPage(browser);
    await signIn(page, portal, KATE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Katherine" }).waitFor();
    await go(page, "Orders", "Your orders");
    await page.getByRole("link", { name: `Order ${orders.centre.number}` }).click();
    await page.getByRole("heading", { name: `Order ${orders.centre.number}`, level: 1 }).waitFor();
    await page.getByText("Dispatched", { exact: true }).first().waitFor();
    const dispatch = page.locator('dl[aria-label="Dispatch"]');
    await expectDefinition(dispatch, "Carrier", "Royal Mail");
    await expectDefinition(dispatch, "Tracking number", "AB123456789GB");
    const history = page.getByRole("region", { name: "History" });
    await history.getByText("Paid → Processing").waitFor();
    await history.getByText("Being printed today.").waitFor();
    await history.getByText("Processing → Dispatched").waitFor();
    await history.getByText("Sent by tracked post.").waitFor();
    await page.getByText("Reason: Damaged").waitFor();
    await check(page, "back-office-centre-order-dispatched");
    // The payment is on the statement; the credit is whole again.
    await go(page, "Account", "Account");
    await expectDefinition(page.locator('dl[aria-label="Credit"]'), "Available for orders on account", "£100.00");
    await page.getByText("BACS 0001").waitFor();
    await check(page, "back-office-centre-account-paid");
    const dispatched = await portal.mail(KATE.email, /Dispatched/);
    assert.ok(dispatched.text.includes("AB123456789GB"), dispatched.text);
    await page.context().close();

    // The learner: processing (by the colleague), then a part refunded to her card.
    const learner = await newPage(browser);
    await signIn(learner, portal, GRACE.email, PASSWORD);
    await learner.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await learner.goto(`${portal.url}/orders/${orders.grace.id}`);
    await learner.getByRole("heading", { name: `Order ${orders.grace.number}`, level: 1 }).waitFor();
    await learner.getByText("Processing", { exact: true }).first().waitFor();
    const refunds = learner.getByRole("region", { name: "Refunds" });
    await refunds.getByText("£9.99 refunded to the card it was paid with.").waitFor();
    await refunds.getByText("Courier was late").waitFor();
    await learner.getByRole("region", { name: "History" }).getByText("Moved by a colleague.").waitFor();
    await check(learner, "back-office-learner-order-refunded");
    await learner.context().close();
  });

  test("an order past the centre's credit is refused beside the payment choice; an administrator prices a delivery priced by the team", async () => {
    // £30 of credit; a certificate and first-class post come to £33.50.
    const admin = await apiAs(ADMIN.email, ADMIN.password);
    await admin("PUT", `/api/admin/centres/${CENTRE.number}/credit`, { limit: 3000 });
    const kate = await apiAs(KATE.email, PASSWORD);
    await kate("POST", "/api/basket/items", { product_id: "replacement-certificate", reference: issued[`${ADA.enrolment}/certificate`], reason: "Never received" }, 201);

    const page = await newPage(browser);
    await signIn(page, portal, KATE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Katherine" }).waitFor();
    await page.goto(`${portal.url}/checkout`);
    await page.getByRole("radio", { name: "Office: Katherine Johnson" }).check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("radio", { name: /^UK 1st class post/ }).check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Step 3 of 3: Review and pay" }).waitFor();
    // It does not fit: card is chosen, and the choice says why.
    assert.equal(await page.getByRole("radio", { name: "By card" }).isChecked(), true);
    await page.getByText("This order, £33.50, is more than that: pay by card, or ask us to raise the limit.", { exact: false }).waitFor();
    // On account anyway: refused, said beside the choice.
    await page.getByRole("radio", { name: "On account" }).check();
    await page.getByRole("button", { name: "Place the order on account, £33.50" }).click();
    await page.getByRole("alert").getByRole("link", { name: /^How to pay: cannot take this order: it comes to £33\.50, and your centre's available credit is £30\.00/ }).waitFor();
    await page.getByRole("group", { name: "How to pay" }).getByText(/cannot take this order/).waitFor();
    await check(page, "back-office-centre-checkout-over-credit");
    // Nothing was placed: the basket still holds it.
    await page.getByRole("banner").getByRole("link", { name: "Basket: 1 item, £30.00" }).waitFor();
    await page.context().close();

    // Grace's order abroad waits for the team's price.
    const grace = await apiAs(GRACE.email, PASSWORD);
    const paris = await grace("POST", "/api/me/addresses", { label: "Paris", recipient: "Grace Hopper", line1: "1 Rue de la Paix", city: "Paris", postcode: "75002", country: "FR" }, 201);
    await grace("POST", "/api/basket/items", { product_id: "replacement-certificate", reference: issued[`${GRACE.enrolment}/certificate`] }, 201);
    const placed = await grace("POST", "/api/checkout", { billing_address_id: paris.id, delivery_address_id: paris.id, delivery_option: "international", payment_method: "card" }, 201, { "idempotency-key": "grace-back-office-2" });
    assert.equal(placed.status, "awaiting_quote");

    const staff = await newPage(browser);
    await signIn(staff, portal, ADMIN.email, ADMIN.password);
    await staff.getByRole("heading", { name: "Welcome, Portal" }).waitFor();
    await go(staff, "Orders", "Orders");
    await staff.getByText("Filter the orders").click();
    await staff.getByLabel("Status").selectOption("awaiting_quote");
    await staff.getByRole("button", { name: "Filter", exact: true }).click();
    await staff.getByRole("heading", { name: "Orders found: 1" }).waitFor();
    await staff.getByRole("link", { name: `Order ${placed.number}` }).click();
    await staff.getByRole("heading", { name: `Order ${placed.number}`, level: 1 }).waitFor();
    await staff.getByRole("region", { name: "Price the delivery" }).getByText("(to Paris, France)", { exact: false }).waitFor();
    await fill(staff, "Delivery price (£)", "twenty");
    await staff.getByRole("button", { name: "Price the delivery" }).click();
    await staff.getByRole("alert").getByRole("link", { name: "Enter the delivery price in pounds, such as 25 or 24.99" }).waitFor();
    await check(staff, "back-office-admin-price-error");
    await fill(staff, "Delivery price (£)", "25");
    await staff.getByRole("button", { name: "Price the delivery" }).click();
    await staff.getByText("The delivery is priced at £25.00: the order comes to £55.00, and the buyer has been e-mailed a link to pay.").waitFor();
    await staff.getByText("Awaiting payment", { exact: true }).first().waitFor();
    assert.equal(await staff.getByRole("region", { name: "Price the delivery" }).count(), 0);
    assert.deepEqual(await staff.getByRole("region", { name: "Change the status" }).getByRole("button").allTextContents(), ["Cancel the order…"]);
    await check(staff, "back-office-admin-priced");
    await staff.context().close();
  });
});
