// "Order" on a document (ORD-1, ORD-2): the products the store offers this buyer for it, each
// with its price and description; the chosen one goes into the basket.
import { useCallback, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { call, client, type Problem } from "../api/client";
import { gbp, type OfferedProduct, type OrderableDocument } from "../api/store";
import { useBasket } from "../basket";
import { KIND } from "../pages/Documents";
import { ChoiceGroup, QuantitySelect } from "./Choices";
import { Dialog } from "./Dialog";
import { ErrorSummary, LoadFailure, Notice, SubmitButton } from "./Fields";
import { useLoaded } from "./useLoaded";

interface Offered {
  key: string;
  product: OfferedProduct;
  document: OrderableDocument;
}

/** What the store offers for these documents: each product for each document it is for. */
export function useOffered(references: string[], connectionId?: string) {
  const fetchOffer = useCallback(() => call(client.GET("/api/store/products", { params: { query: { connection_id: connectionId } } })), [connectionId]);
  const { data, problem, reload } = useLoaded(fetchOffer);
  const wanted = new Set(references);
  const offered: Offered[] | null = data
    ? data.products.flatMap((product) => product.documents.filter((d) => wanted.has(d.reference)).map((document) => ({ key: `${product.id} ${document.reference}`, product, document })))
    : null;
  return { offered, problem, reload };
}

/**
 * The dialog: the offered products as choices (with the document each is for, when there are
 * several documents), how many for what is posted, then "Add to basket". Afterwards it says what
 * was added, with the way to the basket.
 */
export function OrderDialog({ title, references, connectionId, onClose }: { title: string; references: string[]; connectionId?: string; onClose(): void }) {
  const { offered, problem: loadProblem, reload } = useOffered(references, connectionId);
  const basket = useBasket();
  const [chosen, setChosen] = useState("");
  const [quantity, setQuantity] = useState(1);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<Offered | null>(null);
  const several = new Set((offered ?? []).map((o) => o.document.reference)).size > 1;
  // How many of each is in the basket already: a letter is bought once.
  const held = new Map((basket.basket?.lines ?? []).map((l) => [`${l.product_id} ${l.reference}`, l.quantity]));
  const open = (offered ?? []).filter((o) => !(o.product.fulfilment === "digital" && held.has(o.key)));
  const choice = offered?.find((o) => o.key === chosen) ?? (offered?.length === 1 && open.length === 1 ? offered[0] : undefined);

  async function add(e: FormEvent) {
    e.preventDefault();
    if (choice && choice.product.fulfilment === "digital" && held.has(choice.key)) {
      setErrors({ product_id: "This letter is in your basket already: a letter is issued once" });
      setProblem(null);
      return;
    }
    if (!choice) {
      setErrors({ product_id: "Choose what to order" });
      setProblem(null);
      return;
    }
    setErrors({});
    setBusy(true);
    const posted = choice.product.fulfilment === "post";
    const outcome = await call(
      client.POST("/api/basket/items", {
        body: { product_id: choice.product.id, reference: choice.document.reference, connection_id: connectionId, quantity: posted ? quantity : 1 },
      }),
    );
    setBusy(false);
    if (outcome.ok) {
      basket.set(outcome.data);
      setProblem(null);
      setAdded(choice);
    } else setProblem(outcome.problem);
  }

  if (added) {
    return (
      <Dialog key="added" title="Added to your basket" onClose={onClose}>
        <Notice kind="success">
          {added.product.name} for {KIND[added.document.kind].toLowerCase()} <span className="reference">{added.document.reference}</span> is in your basket.
          {basket.basket && ` Your basket now has ${basket.basket.count} ${basket.basket.count === 1 ? "item" : "items"}, ${gbp(basket.basket.total)} in all.`}
        </Notice>
        <div className="actions">
          <Link className="button" to="/basket">
            Go to your basket
          </Link>
          <button type="button" className="button button--secondary" onClick={onClose}>
            Continue browsing
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog key="choose" title={title} onClose={onClose} wide>
      <LoadFailure problem={loadProblem} retry={reload} />
      {!offered && !loadProblem && <p role="status">Loading what you can order…</p>}
      {offered && offered.length === 0 && (
        <>
          <p>There is nothing in the store for this document now: only valid certificates and unit certificates can be ordered.</p>
          <div className="actions">
            <button type="button" className="button button--secondary" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      )}
      {offered && offered.length > 0 && (
        <form onSubmit={add} noValidate className="form">
          <ErrorSummary problem={problem} errors={errors} scope="order" />
          <ChoiceGroup
            name="product_id"
            scope="order"
            legend="What would you like to order?"
            hint="Prices include VAT. Printed copies are posted (delivery is chosen at checkout); letters are issued online, to download, once paid."
            value={choice?.key ?? ""}
            onChange={(key) => {
              setChosen(key);
              setErrors({});
            }}
            errors={errors}
            problem={problem}
            choices={offered.map((o) => ({
              value: o.key,
              label: (
                <>
                  {o.product.name}
                  {several && (
                    <>
                      {" "}
                      for the {KIND[o.document.kind].toLowerCase()} <span className="reference">{o.document.reference}</span>
                    </>
                  )}{" "}
                  — <span className="price">{gbp(o.product.price)}</span>
                </>
              ),
              hint: (
                <>
                  {o.product.description}
                  {o.product.once_per_achievement && " One per achievement."}
                  {held.has(o.key) && (o.product.fulfilment === "digital" ? " It is in your basket already." : ` You have ${held.get(o.key)} in your basket; this adds more.`)}
                </>
              ),
            }))}
          />
          {choice?.product.fulfilment === "post" && <QuantitySelect name="quantity" scope="order" label="How many copies" value={quantity} onChange={setQuantity} problem={problem} />}
          <div className="actions">
            <SubmitButton busy={busy}>Add to basket</SubmitButton>
            <button type="button" className="button button--secondary" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
