// The store's shapes (ORD-1..5), named once for the pages, and money as the pages show it.
import type { Schemas } from "./client";

export type Basket = Schemas["BasketView"];
export type BasketLine = Schemas["LineView"];
export type OfferedProduct = Schemas["OfferedProduct"];
export type OrderableDocument = Schemas["OrderableDocument"];
export type DeliveryChoice = Schemas["DeliveryChoice"];
export type Review = Schemas["Review"];
export type OrderedItem = Schemas["OrderedItem"];
export type Totals = Schemas["Totals"];
export type Order = Schemas["OrderView"];
export type OrderSummary = Schemas["OrderRow"];
export type OrderStatus = Schemas["OrderStatus"];
export type Address = Schemas["Address"];
export type Dispatch = Schemas["Dispatch"];
export type RefundEntry = Schemas["RefundEntry"];
export type StatusChange = Schemas["StatusChange"];
export type PaymentMethod = Schemas["PaymentMethod"];
/** The back office (CEN-6, ORD-6): an order as administrators see it, and a centre's account. */
export type AdminOrder = Schemas["AdminOrderView"];
export type Credit = Schemas["CreditView"];
export type Statement = Schemas["Statement"];
export type LedgerEntry = Schemas["Entry"];

/** The most of one item in a basket (the API's MAX_QUANTITY). */
export const MAX_QUANTITY = 10;

const POUNDS = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP", minimumFractionDigits: 2 });

/** Integer pence as the pages show money: £1,234.50. */
export function gbp(pence: number): string {
  return POUNDS.format(pence / 100);
}

/**
 * What someone typed as pounds ("25", "25.5", "£1,025.50") in pence, exactly (no floats): null
 * when it is not an amount of pounds and pence.
 */
export function toPence(typed: string): number | null {
  const cleaned = typed.trim().replace(/^£/, "").replace(/,/g, "");
  const found = cleaned.match(/^(\d{1,7})(?:\.(\d{1,2}))?$/);
  if (!found) return null;
  return Number(found[1]) * 100 + Number((found[2] ?? "").padEnd(2, "0"));
}

/** Pence as a pounds field shows them again ("25.50"). */
export function toPounds(pence: number): string {
  return `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, "0")}`;
}

/** The statuses in the guides' order, as the pages name them (the API's status_label says the same). */
export const ORDER_STATUS: Record<OrderStatus, string> = {
  awaiting_payment: "Awaiting payment",
  awaiting_quote: "Awaiting delivery quote",
  paid: "Paid",
  processing: "Processing",
  ready_for_collection: "Ready for collection",
  dispatched: "Dispatched",
  complete: "Complete",
  cancelled: "Cancelled",
  refunded: "Refunded",
};

export function statusTag(status: OrderStatus): string {
  if (status === "cancelled" || status === "refunded") return "tag tag--danger";
  if (status === "awaiting_payment" || status === "awaiting_quote") return "tag tag--warning";
  return "tag tag--success";
}

export const PAYMENT_METHOD: Record<PaymentMethod, string> = {
  card: "Card",
  on_account: "On account",
};

export const BUYER_KIND: Record<Schemas["Buyer"], string> = {
  learner: "Learner",
  third_party: "Third party",
  centre: "Centre",
};

/** A month of a statement ("2026-12") as the pages name it: "December 2026". */
export function monthName(month: string): string {
  const [year, number] = month.split("-").map(Number);
  if (!year || !number) return month;
  return new Date(Date.UTC(year, number - 1, 1)).toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
}

/** A VAT rate as a percentage ("20%"), from hundredths of a per cent. */
export function percent(basisPoints: number): string {
  return `${(basisPoints / 100).toLocaleString("en-GB", { maximumFractionDigits: 2 })}%`;
}

/**
 * A fresh key for one order (the `Idempotency-Key` of checkout): 128 random bits. Made from
 * getRandomValues, which, unlike randomUUID, also works on a plain-http address in development.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The one-line form of an address ("Ada Lovelace, 12 Analytical Row, Leeds, LS1 4AP"). */
export function addressLines(a: Address, countryName: (code: string) => string): string[] {
  return [a.recipient, a.line1, a.line2, a.city, a.region, a.postcode, countryName(a.country)].filter((l): l is string => Boolean(l));
}

/**
 * A delivery as one line: "UK 1st class post: £3.50", "Collection from our office: free", or the
 * name alone when it says already that our team prices it.
 */
export function deliveryLine(d: { name: string; price?: number | null }): string {
  if (d.price === null || d.price === undefined) return /priced by our team/i.test(d.name) ? d.name : `${d.name}: priced by our team`;
  return `${d.name}: ${d.price === 0 ? "free" : gbp(d.price)}`;
}
