// The store's journeys through the pages (ORD-1..5): a learner buys a printed copy and a letter by
// keyboard alone — from the document card's Order, through the basket, the checkout's steps and
// the local payment provider's page (declined first, then paid with "Pay now") to the paid order
// and the orders list; a third party orders a proof-of-qualification letter for an achievement a
// learner shares with them; a posted order abroad waits for the team's delivery quote. Every page
// and dialog visited is checked by checkPage.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkPage, fill, newPage, signIn, startBrowser, startPortal } from "./harness.mjs";

let portal;
let browser;
const issued = {};

const GRACE = { first: "Grace", last: "Hopper", dob: "1990-12-09", enrolment: "ENR-4001", email: "grace@learners.test" };
const ADA = { first: "Ada", last: "Lovelace", dob: "1992-12-10", enrolment: "ENR-4002", email: "ada@learners.test" };
const HEDY = { first: "Hedy", last: "Lamarr", company: "Frequency Hopping Ltd", email: "hedy@employer.test" };
const PASSWORD = "violet tram quietly harbour";
const TITLE = "Level 3 Award in Electric Vehicle Repair";

before(async () => {
  portal = await startPortal();
  browser = await startBrowser();
  await portal.importCentres([{ centre_number: "C-7201", name: "Northgate College", email: "exams@northgate.test" }]);
  await portal.activeLearner(GRACE, PASSWORD);
  await portal.activeLearner(ADA, PASSWORD);
  await portal.activeThirdParty(HEDY, PASSWORD);
  for (const [who, job] of [
    [GRACE, "J-ORD-1"],
    [ADA, "J-ORD-2"],
  ]) {
    const answer = await portal.issueJob({
      job_id: job,
      centre_number: "C-7201",
      achievements: [
        {
          enrolment_number: who.enrolment,
          qualification_title: TITLE,
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

/** The accessible name of what has focus, near enough: its label, or its text. */
function focusedName(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "";
    const label = el.labels?.[0]?.textContent ?? el.getAttribute("aria-label") ?? el.textContent ?? "";
    return label.replace(/\s+/g, " ").trim();
  });
}

/** Presses Tab (or Shift+Tab) until what has focus is named `name` (a string, or a pattern). */
async function tabTo(page, name, { back = false, max = 80 } = {}) {
  const matches = (found) => (typeof name === "string" ? found === name : name.test(found));
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    const found = await focusedName(page);
    if (matches(found)) return;
    seen.push(found);
  }
  throw new Error(`Tab never reached ${name}; went through: ${seen.join(" | ")}`);
}

/** Tabs to `name` and presses Enter (links, buttons, and form fields to submit their form). */
async function activate(page, name, options) {
  await tabTo(page, name, options);
  await page.keyboard.press("Enter");
}

/** The header's basket, as it reads. */
async function basketSays(page, text) {
  await page.getByRole("banner").getByRole("link", { name: `Basket: ${text}` }).waitFor();
}

/** Signs in through the API for a bearer token (for setting up what the journeys stand on). */
async function apiAs(email) {
  const res = await fetch(`${portal.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: PASSWORD, session: "token" }) });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const token = JSON.parse(text).session_token;
  return async (method, path, body, status = 200) => {
    const answer = await fetch(`${portal.url}${path}`, { method, headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await answer.text();
    assert.equal(answer.status, status, `${method} ${path}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

describe("the store in the browser", () => {
  test("a learner buys a printed copy and a letter by keyboard alone: declined, paid with Pay now, then in the orders list", async () => {
    const certificate = issued[GRACE.enrolment]("certificate");
    const page = await newPage(browser);
    await signIn(page, portal, GRACE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await basketSays(page, "0 items");
    await page.goto(`${portal.url}/documents`);
    await page.getByRole("heading", { name: "Your documents" }).waitFor();

    // The document card's Order opens the products for its documents.
    await activate(page, `Order a printed copy or a letter for ${TITLE}`);
    const order = page.getByRole("dialog", { name: `Order for ${TITLE}` });
    await order.getByText("£30.00").waitFor();
    await order.getByText("£18.00").waitFor();
    // Adding without a choice says what is missing, beside the choices.
    await activate(page, "Add to basket");
    await order.getByRole("alert").getByRole("link", { name: "Choose what to order" }).waitFor();
    await checkPage(page, "store-order-dialog");
    await tabTo(page, /^Replacement certificate — £30\.00$/);
    await page.keyboard.press("Space");
    await tabTo(page, "How many copies");
    await activate(page, "Add to basket");
    const added = page.getByRole("dialog", { name: "Added to your basket" });
    await added.getByText("Your basket now has 1 item, £30.00 in all.").waitFor();
    await basketSays(page, "1 item, £30.00");
    await checkPage(page, "store-order-added");
    await activate(page, "Continue browsing");
    await added.waitFor({ state: "detached" });

    // The store lists the letter for the same certificate.
    await activate(page, "Store", { back: true });
    await page.getByRole("heading", { name: "Store", level: 1 }).waitFor();
    await page.getByText("In your basket").waitFor();
    await checkPage(page, "store");
    await activate(page, `Add to basket Confirmation of award letter for certificate ${certificate}`);
    await page.getByText(`Confirmation of award letter for Grace Hopper's certificate ${certificate} is in your basket.`).waitFor();
    await basketSays(page, "2 items, £48.00");
    await activate(page, "Go to your basket");

    // The basket: the copy's quantity changed to 2 (the letter is one), the total follows.
    await page.getByRole("heading", { name: "Your basket" }).waitFor();
    await page.getByText("Quantity: 1 (a letter is issued once)").waitFor();
    await tabTo(page, `Quantity of Replacement certificate for certificate ${certificate}`);
    await page.keyboard.press("ArrowDown");
    await page.getByText("Replacement certificate: quantity changed to 2. The basket's total is now £78.00.").waitFor();
    await basketSays(page, "3 items, £78.00");
    await checkPage(page, "store-basket");
    await activate(page, "Continue to checkout");

    // Step 1: no address yet. Continuing says so; one is added on the spot (a UK one needs a postcode).
    await page.getByRole("heading", { name: "Step 1 of 3: Addresses" }).waitFor();
    await activate(page, "Continue");
    await page.getByRole("alert").getByRole("link", { name: "Choose a billing address, or add one" }).waitFor();
    await checkPage(page, "store-checkout-addresses-errors");
    await activate(page, "Add a new billing address");
    const newAddress = page.getByRole("dialog", { name: "Add a billing address" });
    await newAddress.waitFor();
    await tabTo(page, "Recipient");
    await page.keyboard.type("Grace Hopper");
    await tabTo(page, "Address line 1");
    await page.keyboard.type("12 Analytical Row");
    await tabTo(page, "Town or city");
    await page.keyboard.type("Leeds");
    await page.keyboard.press("Enter");
    await newAddress.getByRole("alert").waitFor();
    assert.equal(await newAddress.getByLabel("Postcode (optional)").getAttribute("aria-invalid"), "true");
    assert.equal(await newAddress.getByLabel("Recipient").inputValue(), "Grace Hopper", "what was typed stays");
    await checkPage(page, "store-checkout-new-address");
    await tabTo(page, "Postcode (optional)");
    await page.keyboard.type("LS1 4AP");
    await page.keyboard.press("Enter");
    await newAddress.waitFor({ state: "detached" });
    await page.getByText("The address is saved to your address book and chosen as the billing address.").waitFor();
    assert.equal(await page.getByRole("radio", { name: "Grace Hopper" }).isChecked(), true);
    assert.equal(await page.getByLabel("Post it to the billing address").isChecked(), true);
    await checkPage(page, "store-checkout-addresses");
    await activate(page, "Continue");

    // Step 2: the UK's options; none chosen says so; 1st class by the arrow keys.
    await page.getByRole("heading", { name: "Step 2 of 3: Delivery" }).waitFor();
    await page.getByText("International courier").waitFor({ state: "detached" });
    await activate(page, "Continue");
    await page.getByRole("alert").getByRole("link", { name: "Choose how it is delivered" }).waitFor();
    await checkPage(page, "store-checkout-delivery");
    await tabTo(page, /^UK 2nd class post/);
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.getByRole("radio", { name: /^UK 1st class post — £3\.50/ }).isChecked(), true);
    await activate(page, "Continue");

    // Step 3: the review — each line's net, VAT and gross, delivery, VAT on the total.
    await page.getByRole("heading", { name: "Step 3 of 3: Review and pay" }).waitFor();
    const totals = page.getByRole("definition").filter({ hasText: "£81.50" });
    await totals.first().waitFor();
    // 8150 × 20/120 = 1358.33: £13.58 of VAT, £67.92 net.
    await page.getByText("£13.58").waitFor();
    await page.getByText("£67.92").waitFor();
    await checkPage(page, "store-checkout-review");
    // Back keeps the choice; forward again.
    await activate(page, "Back");
    await page.getByRole("heading", { name: "Step 2 of 3: Delivery" }).waitFor();
    assert.equal(await page.getByRole("radio", { name: /^UK 1st class post/ }).isChecked(), true);
    await activate(page, "Continue");
    await page.getByRole("heading", { name: "Step 3 of 3: Review and pay" }).waitFor();
    const placed = page.waitForResponse((r) => r.url().endsWith("/api/checkout") && r.request().method() === "POST");
    await activate(page, "Pay £81.50");
    const key = (await placed).request().headers()["idempotency-key"];
    assert.match(key, /^[0-9a-f]{32}$/);

    // The local provider's page: Decline first, back to the order, which can be paid again.
    await page.waitForURL(/\/dev\/pay\//);
    await page.getByRole("heading", { name: /^Pay for order P/ }).waitFor();
    await page.getByText("£81.50").waitFor();
    await checkPage(page, "store-payment-page");
    await activate(page, "Decline (a refused card)");
    await page.waitForURL(/\/orders\/[^/?]+$/);
    const orderId = new URL(page.url()).pathname.split("/").pop();
    await page.getByText("Your card was declined, so nothing was charged.").waitFor();
    await page.getByText("Awaiting payment", { exact: true }).first().waitFor();
    await checkPage(page, "store-order-declined");

    // Back from paying, the webhook may not have arrived yet: the page says it is confirming and
    // looks again. (Here it already has: the order's first answers are held back to show it.)
    let holding = true;
    await page.route(`**/api/orders/${orderId}`, async (route) => {
      if (!holding || route.request().method() !== "GET") return route.continue();
      const real = await route.fetch();
      const order = await real.json();
      await route.fulfill({ response: real, json: { ...order, status: "awaiting_payment", status_label: "Awaiting payment", can_pay: true } });
    });
    await activate(page, "Pay now, £81.50");
    await page.waitForURL(/\/dev\/pay\//);
    await activate(page, "Pay");
    await page.waitForURL(/\/orders\/[^/?]+\?paid=1$/);
    await page.getByText("We are confirming your payment").waitFor();
    assert.equal(await page.getByRole("button", { name: /^Pay now/ }).count(), 0, "no second payment while confirming");
    await checkPage(page, "store-order-confirming");
    holding = false;
    await page.getByText("Thank you: your payment is confirmed").waitFor({ timeout: 10_000 });
    await page.unroute(`**/api/orders/${orderId}`);
    await page.getByText("Paid", { exact: true }).first().waitFor();
    await basketSays(page, "0 items");
    // The letter was issued with the payment: its own reference, to open.
    const letter = page.getByRole("link", { name: /^Open the letter/ }).first();
    const href = await letter.getAttribute("href");
    const pdf = await page.request.get(`${portal.url}${href}`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()["content-type"], "application/pdf");
    await page.getByText("The card payment was declined.").waitFor();
    // The VAT receipt, once paid.
    const receipt = await page.request.get(`${portal.url}${await page.getByRole("link", { name: /^Your VAT receipt/ }).getAttribute("href")}`);
    assert.equal(receipt.status(), 200);
    assert.equal(receipt.headers()["content-type"], "application/pdf");
    await checkPage(page, "store-order-paid");

    // The orders list, filtered by keyboard: the status and a total in pounds.
    await activate(page, "Back to your orders");
    await page.getByRole("heading", { name: "Your orders", level: 1 }).waitFor();
    // Phones get a card per order: its details in a list.
    const detail = (text) => page.getByRole("definition").filter({ hasText: text }).first();
    await detail("UK 1st class post").waitFor();
    await detail("Grace Hopper (Learner)").waitFor();
    await detail("£81.50").waitFor();
    await checkPage(page, "store-orders");
    // On a phone the filters are folded away until asked for.
    await activate(page, "Filter your orders");
    await tabTo(page, "Total from (£) (optional)");
    await page.keyboard.type("eighty");
    await page.keyboard.press("Enter");
    await page.getByRole("alert").getByRole("link", { name: "Enter the lowest total in pounds, such as 25 or 25.50" }).waitFor();
    await checkPage(page, "store-orders-errors");
    await tabTo(page, "Total from (£) (optional)");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("81.50");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Orders found: 1" }).waitFor();
    assert.match(page.url(), /min_total=8150/);
    await tabTo(page, "Total up to (£) (optional)", { back: true });
    await page.keyboard.type("81.49");
    await page.keyboard.press("Enter");
    await page.getByRole("alert").getByRole("link", { name: "The highest total must not be less than the lowest" }).waitFor();
    // The message took focus, above the form: on from there to each field.
    await tabTo(page, "Status");
    await page.keyboard.type("Paid");
    await tabTo(page, "Total from (£) (optional)");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("80");
    await tabTo(page, "Total up to (£) (optional)");
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Enter");
    await page.waitForURL(/status=paid&min_total=8000$/);
    await page.getByRole("heading", { name: "Orders found: 1" }).waitFor();
    await checkPage(page, "store-orders-filtered");

    // The confirmation e-mail lists what was bought.
    const mail = await portal.mail(GRACE.email, /^Order P\w+ confirmed/);
    assert.ok(mail.text.includes("£81.50"), mail.text);
    await page.context().close();
  });

  test("a third party orders a proof-of-qualification letter for an achievement shared with them", async () => {
    const certificate = issued[ADA.enrolment]("certificate");
    // The connection: Ada shares her certificate with Hedy, who accepts (the pages for this are
    // tested in connections.test.mjs).
    const ada = await apiAs(ADA.email);
    const connection = await ada("POST", "/api/connections", { name: "Hedy Lamarr", email: HEDY.email, document_references: [certificate] }, 201);
    const hedy = await apiAs(HEDY.email);
    await hedy("POST", `/api/connections/${connection.id}/accept`, {});

    const page = await newPage(browser);
    await signIn(page, portal, HEDY.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Hedy" }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
    await page.getByRole("link", { name: "View documents shared by Ada Lovelace" }).click();
    await page.getByRole("heading", { name: "Documents shared by Ada Lovelace" }).waitFor();
    await page.getByRole("button", { name: `Order a letter for certificate ${certificate}` }).click();
    const dialog = page.getByRole("dialog", { name: `Order a letter: ${certificate}` });
    // The one product for it is chosen already.
    assert.equal(await dialog.getByRole("radio", { name: /^Proof of qualification letter — £24\.00/ }).isChecked(), true);
    await checkPage(page, "store-letter-dialog");
    await dialog.getByRole("button", { name: "Add to basket" }).click();
    await page.getByRole("dialog", { name: "Added to your basket" }).getByRole("link", { name: "Go to your basket" }).click();

    // The basket: a letter is one; removed, the basket is empty.
    await page.getByRole("heading", { name: "Your basket" }).waitFor();
    await basketSays(page, "1 item, £24.00");
    await page.getByText("Quantity: 1 (a letter is issued once)").waitFor();
    await page.getByText("Ada Lovelace", { exact: true }).waitFor();
    await page.getByRole("button", { name: `Remove Proof of qualification letter for certificate ${certificate}` }).click();
    await page.getByText(`Proof of qualification letter for certificate ${certificate} was removed from your basket.`).waitFor();
    await page.getByText("Your basket is empty.").waitFor();
    await basketSays(page, "0 items");
    await checkPage(page, "store-basket-empty");

    // The store: first the learner, then the letter for her shared certificate.
    await page.getByRole("link", { name: "Go to the store" }).click();
    await page.getByRole("heading", { name: "Store", level: 1 }).waitFor();
    await page.getByLabel("Learner").selectOption({ label: "Ada Lovelace" });
    await page.getByRole("button", { name: `Add to basket Proof of qualification letter for certificate ${certificate}` }).click();
    await page.getByText(`Proof of qualification letter for Ada Lovelace's certificate ${certificate} is in your basket.`).waitFor();
    await checkPage(page, "store-third-party");
    await page.getByRole("link", { name: "Go to your basket" }).click();
    await page.getByRole("link", { name: "Continue to checkout" }).click();

    // Letters need no delivery: two steps, a billing address added on the spot (abroad: no postcode).
    await page.getByRole("heading", { name: "Step 1 of 2: Billing address" }).waitFor();
    await page.getByText("Nothing in your basket is posted").waitFor();
    await page.getByRole("button", { name: "Add a new billing address" }).click();
    const address = page.getByRole("dialog", { name: "Add a billing address" });
    await fill(page, "Name for this address", "Office");
    await fill(page, "Recipient", "Hedy Lamarr");
    await fill(page, "Address line 1", "1 Rue de la Fréquence");
    await fill(page, "Town or city", "Paris");
    await address.getByLabel("Country").selectOption("FR");
    await address.getByRole("button", { name: "Save and use this address" }).click();
    await address.waitFor({ state: "detached" });
    await checkPage(page, "store-checkout-billing-only");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Step 2 of 2: Review and pay" }).waitFor();
    await page.getByText("Issued online: you can open your letters from the order as soon as it is paid.").waitFor();
    await page.getByText("£4.00").first().waitFor();
    await checkPage(page, "store-checkout-review-letter");
    await page.getByRole("button", { name: "Pay £24.00" }).click();
    await page.waitForURL(/\/dev\/pay\//);
    await page.getByRole("button", { name: "Pay", exact: true }).click();

    // A letter-only order is complete once paid; the letter is Hedy's to open.
    await page.waitForURL(/\?paid=1$/);
    await page.getByText("Thank you: your payment is confirmed").waitFor();
    await page.getByText("Complete", { exact: true }).first().waitFor();
    const href = await page.getByRole("link", { name: /^Open the letter/ }).getAttribute("href");
    const pdf = await page.request.get(`${portal.url}${href}`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()["content-type"], "application/pdf");
    await checkPage(page, "store-order-letter");

    // In the orders list as "Digital"; a second letter for the same achievement is refused.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Orders" }).click();
    await page.getByText("Filter your orders").click();
    await page.getByLabel("Delivery type").selectOption("digital");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByRole("heading", { name: "Orders found: 1" }).waitFor();
    await page.getByText("Hedy Lamarr (Third party)").first().waitFor();
    await checkPage(page, "store-orders-third-party");

    await page.goto(`${portal.url}/connections/${connection.id}/documents`);
    await page.getByRole("button", { name: `Order a letter for certificate ${certificate}` }).click();
    await page.getByRole("dialog", { name: `Order a letter: ${certificate}` }).getByRole("button", { name: "Add to basket" }).click();
    await page.getByRole("alert").getByRole("link", { name: /^What would you like to order\?: was already ordered for this candidate's achievement/ }).waitFor();
    await checkPage(page, "store-letter-once");
    await page.context().close();
  });

  test("a posted order abroad waits for the team to price its delivery", async () => {
    const certificate = issued[GRACE.enrolment]("certificate");
    const grace = await apiAs(GRACE.email);
    for (const line of (await grace("GET", "/api/basket")).lines) await grace("DELETE", `/api/basket/items/${line.id}`);
    await grace("POST", "/api/basket/items", { product_id: "replacement-certificate", reference: certificate }, 201);
    await grace("POST", "/api/me/addresses", { label: "Home", recipient: "Grace Hopper", line1: "12 Analytical Row", city: "Leeds", postcode: "LS1 4AP", country: "GB" }, 201);
    await grace("POST", "/api/me/addresses", { label: "Lisbon", recipient: "Grace Hopper", line1: "Rua das Flores 10", city: "Lisbon", country: "PT" }, 201);

    const page = await newPage(browser);
    await signIn(page, portal, GRACE.email, PASSWORD);
    await page.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await basketSays(page, "1 item, £30.00");
    // The document's page offers the same, saying what is in the basket already.
    await page.goto(`${portal.url}/documents/${certificate}`);
    await page.getByRole("heading", { name: "Need a printed copy?" }).waitFor();
    await page.getByRole("button", { name: "Order a printed copy or a letter" }).click();
    const dialog = page.getByRole("dialog", { name: `Order a printed copy or a letter: certificate ${certificate}` });
    await dialog.getByText("You have 1 in your basket; this adds more.").waitFor();
    await checkPage(page, "store-document-order");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("banner").getByRole("link", { name: /^Basket/ }).click();
    await page.getByRole("link", { name: "Continue to checkout" }).click();
    await page.getByRole("group", { name: "Billing address" }).getByRole("radio", { name: "Home: Grace Hopper" }).check();
    await page.getByLabel("Post it to the billing address").uncheck();
    await page.getByRole("group", { name: "Delivery address" }).getByRole("radio", { name: "Lisbon: Grace Hopper" }).check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Step 2 of 3: Delivery" }).waitFor();
    await page.getByText("Delivery to Portugal").waitFor();
    await page.getByRole("radio", { name: /^International courier \(priced by our team\)/ }).check();
    await checkPage(page, "store-checkout-delivery-abroad");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("The delivery to your address is priced by our team.").waitFor();
    await checkPage(page, "store-checkout-review-quote");
    await page.getByRole("button", { name: "Place the order" }).click();
    await page.getByText("Your order is placed").waitFor();
    await page.getByText("Awaiting delivery quote", { exact: true }).first().waitFor();
    assert.equal(await page.getByRole("button", { name: /^Pay now/ }).count(), 0);
    await checkPage(page, "store-order-quote");
    await page.context().close();
  });
});
