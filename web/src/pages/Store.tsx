import { useCallback, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { call, client, type Problem } from "../api/client";
import { gbp, type OfferedProduct, type OrderableDocument } from "../api/store";
import { items as itemCount, useBasket } from "../basket";
import { ErrorSummary, LoadFailure, Notice, fieldId } from "../components/Fields";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";
import { usePaged } from "../components/usePaged";
import { useReady } from "../session";
import { CentreStore } from "./CentreStore";
import { KIND, longDate } from "./Documents";

/**
 * ORD-1: what this buyer may buy, each product with the documents it may be ordered for and
 * "Add to basket" for each. A third party first chooses the learner (an active connection) whose
 * shared achievements to order letters for. A centre user orders for a learner from their record
 * (CentreStore).
 */
export function Store() {
  const { me } = useReady();
  if (me!.kind === "centre") return <CentreStore />;
  return <BuyerStore />;
}

function BuyerStore() {
  const { me } = useReady();
  const third = me!.kind === "third_party";
  const [params, setParams] = useSearchParams();
  const connection = third ? params.get("connection") || undefined : undefined;
  const lead = third
    ? "Order a proof-of-qualification letter for an achievement a learner shares with you. The letter is issued to you online, with its own reference and QR code, as soon as it is paid."
    : "Order a printed replacement of your certificates, posted to you, or a letter confirming your achievement, issued online as soon as it is paid. Prices include VAT.";
  return (
    <Page title="Store" lead={lead} wide>
      {third && <ConnectionChooser value={connection} onChange={(id) => setParams(id ? { connection: id } : {})} />}
      {(!third || connection) && <Products connection={connection} third={third} />}
    </Page>
  );
}

function ConnectionChooser({ value, onChange }: { value?: string; onChange(id: string): void }) {
  const fetchPage = useCallback(() => call(client.GET("/api/connections", { params: { query: { tab: "active", limit: 100 } } })), []);
  const { items, problem, reload } = usePaged(fetchPage);
  const active = (items ?? []).filter((c) => c.status === "active");
  const id = fieldId("connection");
  if (!items) {
    return (
      <>
        <LoadFailure problem={problem} retry={reload} />
        {!problem && <p role="status">Loading your connections…</p>}
      </>
    );
  }
  if (active.length === 0) {
    return (
      <p>
        You have no active connections. A learner has to share an achievement with you before you can order a letter for it: see your <Link to="/connections">connections</Link>.
      </p>
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>Learner</label>
      <p className="hint" id={`${id}-hint`}>
        The learners who share their documents with you now.
      </p>
      <select id={id} value={value ?? ""} onChange={(e) => onChange(e.target.value)} aria-describedby={`${id}-hint`} className="input--wide">
        <option value="">Choose a learner</option>
        {active.map((c) => (
          <option key={c.id} value={c.id}>
            {c.other.name}
            {c.other.company ? ` (${c.other.company})` : ""}
          </option>
        ))}
      </select>
    </div>
  );
}

function Products({ connection, third }: { connection?: string; third: boolean }) {
  const fetchOffer = useCallback(() => call(client.GET("/api/store/products", { params: { query: { connection_id: connection } } })), [connection]);
  const { data, problem, reload } = useLoaded(fetchOffer);
  const basket = useBasket();
  const [added, setAdded] = useState<string | null>(null);
  const [failed, setFailed] = useState<Problem | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const inBasket = new Set((basket.basket?.lines ?? []).map((l) => `${l.product_id} ${l.reference}`));

  async function add(product: OfferedProduct, document: OrderableDocument) {
    const key = `${product.id} ${document.reference}`;
    setBusy(key);
    setAdded(null);
    setFailed(null);
    const outcome = await call(client.POST("/api/basket/items", { body: { product_id: product.id, reference: document.reference, connection_id: document.connection_id ?? connection, quantity: 1 } }));
    setBusy(null);
    if (outcome.ok) {
      basket.set(outcome.data);
      setAdded(`${product.name} for ${document.learner_name}'s ${KIND[document.kind].toLowerCase()} ${document.reference} is in your basket.`);
    } else setFailed(outcome.problem);
  }

  if (!data) {
    return (
      <>
        <LoadFailure problem={problem} retry={reload} />
        {!problem && <p role="status">Loading the store…</p>}
      </>
    );
  }
  return (
    <>
      {added && (
        <Notice kind="success" focus>
          <p>{added}</p>
          <p>
            <Link to="/basket">Go to your basket</Link>
            {basket.basket && ` (${itemCount(basket.basket.count)}, ${gbp(basket.basket.total)})`}
          </p>
        </Notice>
      )}
      <ErrorSummary problem={failed} />
      {data.products.length === 0 && <p>There is nothing in the store for your account.</p>}
      <ul className="cards cards--stack">
        {data.products.map((p) => (
          <li key={p.id} className="card">
            <section aria-labelledby={`product-${p.id}`}>
              <div className="product__head">
                <h2 id={`product-${p.id}`} className="card__title">
                  {p.name}
                </h2>
                <p className="price price--large">{gbp(p.price)}</p>
              </div>
              <p>{p.description}</p>
              <p className="hint">
                {p.fulfilment === "post" ? "Printed and posted; you choose the delivery at checkout." : "Issued online, to download, once paid."}
                {p.once_per_achievement && " One per achievement."} Price includes VAT.
              </p>
              <h3>{third ? "For these shared documents" : "For your documents"}</h3>
              {p.documents.length === 0 ? (
                <p>{third ? "This learner shares no document this is for." : "You have no valid documents this is for."}</p>
              ) : (
                <ul className="doc-list">
                  {p.documents.map((d) => {
                    const key = `${p.id} ${d.reference}`;
                    const already = inBasket.has(key);
                    return (
                      <li key={d.reference}>
                        <span className="doc-list__kind">{KIND[d.kind]}</span>
                        <span className="reference">{d.reference}</span>
                        <span className="doc-list__what">
                          {d.qualification_title}
                          <span className="records__sub">
                            {d.learner_name}, awarded {longDate(d.award_date)}
                          </span>
                        </span>
                        <span className="doc-list__actions">
                          {already && <span className="tag">In your basket</span>}
                          {!(already && p.fulfilment === "digital") && (
                            <button type="button" className="button button--small" onClick={() => add(p, d)} disabled={busy === key}>
                              {busy === key ? "Please wait…" : already ? "Add another" : "Add to basket"}
                              <span className="visually-hidden">
                                {" "}
                                {p.name} for {KIND[d.kind].toLowerCase()} {d.reference}
                              </span>
                            </button>
                          )}
                        </span>
                      </li>
                    );
                  })}
                </ul>
              )}
            </section>
          </li>
        ))}
      </ul>
      {basket.basket && basket.basket.count > 0 && (
        <p>
          <Link className="button" to="/basket">
            Continue to your basket
          </Link>
        </p>
      )}
    </>
  );
}
