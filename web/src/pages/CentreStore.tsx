import { useCallback, useState, type FormEvent } from "react";
import { Link, useLocation, useSearchParams } from "react-router";
import { call, client, type Outcome, type Problem, type Schemas } from "../api/client";
import { gbp, type OfferedProduct } from "../api/store";
import { items as itemCount, useBasket } from "../basket";
import { QuantitySelect } from "../components/Choices";
import { ErrorSummary, LoadFailure, Notice, SelectField, SubmitButton } from "../components/Fields";
import { Page } from "../components/Page";
import { useLoaded } from "../components/useLoaded";
import { KIND, STATUS, longDate } from "./Documents";

type DocumentView = Schemas["DocumentView"];

/** One product for one of the learner's documents: a line the centre may add. */
interface Item {
  key: string;
  product: OfferedProduct;
  doc: DocumentView;
}

/** What was added last, as the notice says it. */
interface Added {
  text: string;
}

function learnerOf(doc: DocumentView) {
  return `${doc.achievement.first_name} ${doc.achievement.last_name}`;
}

/**
 * CEN-6: the centre store. A centre user comes from a learner's record (Records, or a job's page:
 * "Order a printed copy") with that record's documents in the address (`?reference=…`); each
 * product for each document is added to the basket with the reason the duplicate is needed, one
 * of the awarding body's reasons. Several learners' copies go into one basket: back to the records
 * for the next learner.
 */
export function CentreStore() {
  const [params] = useSearchParams();
  const references = params.getAll("reference");
  const key = references.join(" ");
  const from = (useLocation().state as { back?: { to: string; label: string } } | null)?.back;
  const back = from?.to.startsWith("/centre/") ? from : { to: "/centre/records", label: "Back to the records" };
  const lead = "Order printed replacement copies of your learners' certificates and unit certificates. Say why each duplicate is needed; prices include VAT, and delivery is chosen at checkout.";

  const fetchOffer = useCallback(() => call(client.GET("/api/store/products")), []);
  const offer = useLoaded(fetchOffer);
  const fetchDocuments = useCallback(async (): Promise<Outcome<DocumentView[]>> => {
    const wanted = key ? key.split(" ") : [];
    const found = await Promise.all(wanted.map((reference) => call(client.GET("/api/documents/{reference}", { params: { path: { reference } } }))));
    const failed = found.find((f) => !f.ok);
    if (failed && !failed.ok) return failed;
    return { ok: true, status: 200, data: found.flatMap((f) => (f.ok ? [f.data] : [])) };
  }, [key]);
  const documents = useLoaded(fetchDocuments);

  if (references.length === 0) {
    return (
      <Page title="Store" lead={lead}>
        <p>
          Find the learner in <Link to="/centre/records">your records</Link> and choose “Order a printed copy” beside their record: their documents open here. You can put several learners' copies in one basket.
        </p>
        <BasketLink />
      </Page>
    );
  }
  const problem = offer.problem ?? documents.problem;
  if (!offer.data || !documents.data) {
    return (
      <Page title="Store" lead={lead}>
        <LoadFailure
          problem={problem}
          retry={() => {
            offer.reload();
            documents.reload();
          }}
        />
        {!problem && <p role="status">Loading the learner's documents…</p>}
        <p>
          <Link to={back.to}>{back.label}</Link>
        </p>
      </Page>
    );
  }
  return <Ordering offer={offer.data} documents={documents.data} back={back} lead={lead} />;
}

function BasketLink() {
  const { basket } = useBasket();
  if (!basket || basket.count === 0) return null;
  return (
    <p>
      <Link className="button" to="/basket">
        Continue to your basket<span className="visually-hidden"> ({itemCount(basket.count)})</span>
      </Link>
    </p>
  );
}

function Ordering({ offer, documents, back, lead }: { offer: Schemas["Offer"]; documents: DocumentView[]; back: { to: string; label: string }; lead: string }) {
  const basket = useBasket();
  const [added, setAdded] = useState<Added | null>(null);
  const items: Item[] = offer.products.flatMap((product) => documents.filter((doc) => doc.status === "valid" && product.document_kinds.includes(doc.type)).map((doc) => ({ key: `${product.id} ${doc.reference}`, product, doc })));
  const unavailable = documents.filter((doc) => doc.status !== "valid");
  // The documents are one record's: one learner, one achievement.
  const first = documents[0];
  const learners = [...new Set(documents.map(learnerOf))];
  const title = learners.length === 1 ? `Order a printed copy for ${learners[0]}` : "Order printed copies";
  return (
    <Page title={title} lead={lead} wide>
      <p>
        <Link to={back.to}>{back.label}</Link>
      </p>
      {added && (
        <Notice kind="success" focus>
          <p>{added.text}</p>
          <p>
            <Link to="/basket">Go to your basket</Link>
            {basket.basket && ` (${itemCount(basket.basket.count)}, ${gbp(basket.basket.total)})`} or <Link to={back.to}>order for another learner</Link>.
          </p>
        </Notice>
      )}
      {first && (
        <dl className="summary summary--compact">
          <div>
            <dt>Learner</dt>
            <dd>
              {learners.join(", ")} ({first.achievement.enrolment_number})
            </dd>
          </div>
          <div>
            <dt>Qualification</dt>
            <dd>
              {first.achievement.qualification_title} ({first.achievement.qualification_code})
            </dd>
          </div>
          <div>
            <dt>Award date</dt>
            <dd>{longDate(first.achievement.award_date)}</dd>
          </div>
        </dl>
      )}
      {unavailable.map((doc) => (
        <Notice key={doc.reference} kind="warning">
          {KIND[doc.type]} <span className="reference">{doc.reference}</span> is {STATUS[doc.status].toLowerCase()}: it cannot be ordered.
        </Notice>
      ))}
      {items.length === 0 ? (
        <p>There is nothing in the store for these documents: printed copies are of valid certificates and unit certificates.</p>
      ) : (
        <ul className="cards cards--stack">
          {items.map((item) => (
            <li key={item.key} className="card">
              <ItemForm item={item} reasons={offer.duplicate_reasons} onAdded={setAdded} />
            </li>
          ))}
        </ul>
      )}
      {basket.basket && basket.basket.count > 0 && (
        <div className="actions">
          <Link className="button" to="/basket">
            Continue to your basket
          </Link>
          <Link className="button button--secondary" to={back.to}>
            Order for another learner
          </Link>
        </div>
      )}
    </Page>
  );
}

/** One product for one document: why the duplicate is needed, how many, and "Add to basket". */
function ItemForm({ item, reasons, onAdded }: { item: Item; reasons: string[]; onAdded(added: Added): void }) {
  const basket = useBasket();
  const { product, doc } = item;
  const scope = `${product.id}-${doc.reference}`;
  const headingId = `item-${scope}`;
  const [reason, setReason] = useState("");
  const [quantity, setQuantity] = useState(1);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const held = basket.basket?.lines.find((l) => l.product_id === product.id && l.reference === doc.reference);
  const what = `${product.name} for ${KIND[doc.type].toLowerCase()} ${doc.reference}`;

  async function add(e: FormEvent) {
    e.preventDefault();
    if (!reason) {
      setErrors({ reason: "Choose why a duplicate is needed" });
      setProblem(null);
      return;
    }
    setErrors({});
    setBusy(true);
    const outcome = await call(client.POST("/api/basket/items", { body: { product_id: product.id, reference: doc.reference, quantity, reason } }));
    setBusy(false);
    if (outcome.ok) {
      basket.set(outcome.data);
      setProblem(null);
      onAdded({ text: `${quantity === 1 ? product.name : `${quantity} × ${product.name}`} for ${learnerOf(doc)}'s ${KIND[doc.type].toLowerCase()} ${doc.reference} (reason: ${reason}) is in your basket.` });
    } else setProblem(outcome.problem);
  }

  return (
    <form onSubmit={add} noValidate className="form" aria-labelledby={headingId}>
      <div className="product__head">
        <h2 id={headingId} className="card__title">
          {product.name}
          <span className="records__sub">
            {KIND[doc.type]} <span className="reference">{doc.reference}</span>
          </span>
        </h2>
        <p className="price price--large">{gbp(product.price)}</p>
      </div>
      <p>{product.description}</p>
      {held && (
        <p className="hint">
          You have {held.quantity} in your basket{held.reason ? ` (reason: ${held.reason})` : ""}; this adds more, with the reason chosen here.
        </p>
      )}
      <ErrorSummary problem={problem} errors={errors} scope={scope} />
      <div className="basket-line__controls">
        <SelectField
          name="reason"
          scope={scope}
          label={
            <>
              Reason for the duplicate<span className="visually-hidden"> of {what}</span>
            </>
          }
          value={reason}
          onChange={(value) => {
            setReason(value);
            setErrors({});
          }}
          errors={errors}
          problem={problem}
          options={[{ value: "", label: "Choose a reason" }, ...reasons.map((r) => ({ value: r, label: r }))]}
        />
        <QuantitySelect
          name="quantity"
          scope={scope}
          label={
            <>
              How many copies<span className="visually-hidden"> of {what}</span>
            </>
          }
          value={quantity}
          onChange={setQuantity}
          problem={problem}
        />
        <SubmitButton busy={busy}>
          Add to basket<span className="visually-hidden"> {what}</span>
        </SubmitButton>
      </div>
    </form>
  );
}
