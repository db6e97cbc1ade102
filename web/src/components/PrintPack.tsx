// ORD-6's print packs, on the administrators' Orders queue: paid (or processing) orders chosen
// from the list, printed as one PDF of packing slips, address labels and replacement copies; the
// orders move to processing.
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { call, client, fieldError, type Problem, type Schemas } from "../api/client";
import type { OrderSummary } from "../api/store";
import { ErrorSummary, FieldError, SubmitButton, fieldId } from "./Fields";

type PrintPack = Schemas["PrintPackView"];

/** Whether an order may go in a pack: paid (moved to processing), or processing (printed again). */
function printable(o: OrderSummary): boolean {
  return o.status === "paid" || o.status === "processing";
}

/** The selection, the printing and its answer; `reload` shows the queue as printing left it. */
export function usePrintPack(items: OrderSummary[] | null, reload: () => void) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [result, setResult] = useState<PrintPack | null>(null);
  const paid = (items ?? []).filter((o) => o.status === "paid");

  function select(o: OrderSummary, on: boolean) {
    setSelected((old) => {
      const next = new Set(old);
      if (on) next.add(o.id);
      else next.delete(o.id);
      return next;
    });
  }

  function selectAllPaid(on: boolean) {
    setSelected((old) => {
      const next = new Set(old);
      for (const o of paid) {
        if (on) next.add(o.id);
        else next.delete(o.id);
      }
      return next;
    });
  }

  async function print() {
    setBusy(true);
    setResult(null);
    // In the order the queue shows them.
    const shown = (items ?? []).filter((o) => selected.has(o.id)).map((o) => o.id);
    const outcome = await call(client.POST("/api/admin/print-packs", { body: { order_ids: shown } }));
    setBusy(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    setProblem(null);
    setResult(outcome.data);
    setSelected(new Set());
    reload();
  }

  return {
    selected,
    busy,
    problem,
    result,
    select,
    printable,
    selectAllPaid,
    allPaidSelected: paid.length > 0 && paid.every((o) => selected.has(o.id)),
    paidShown: paid.length,
    print,
  };
}

type Pack = ReturnType<typeof usePrintPack>;

/** The selection's count, "select all paid shown", and the button that prints the pack. */
export function PrintPackBar({ pack }: { pack: Pack }) {
  const id = fieldId("order_ids", "pack");
  const error = fieldError(pack.problem, "order_ids");
  const count = pack.selected.size;
  return (
    <div className="selection-bar">
      <ErrorSummary problem={pack.problem} scope="pack" />
      <div className="field--checkbox">
        <input type="checkbox" id={id} checked={pack.allPaidSelected} disabled={pack.paidShown === 0} onChange={(e) => pack.selectAllPaid(e.target.checked)} aria-describedby={error ? `${id}-error` : undefined} aria-invalid={error ? true : undefined} />
        <label htmlFor={id}>Select all paid orders shown</label>
      </div>
      <p className="selection-bar__count" role="status">
        {count === 0 ? "No orders selected to print." : `${count} ${count === 1 ? "order" : "orders"} selected to print.`}
      </p>
      <FieldError id={id} error={error} />
      <form
        className="selection-bar__actions"
        onSubmit={(e) => {
          e.preventDefault();
          pack.print();
        }}
      >
        <SubmitButton busy={pack.busy}>Print selected</SubmitButton>
      </form>
    </div>
  );
}

/** An order's checkbox: only paid and processing orders can be printed. */
export function SelectOrder({ order: o, pack, visible }: { order: OrderSummary; pack: Pack; visible?: boolean }) {
  if (!pack.printable(o)) return null;
  const id = `print-${o.id.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  return (
    <div className="field--checkbox records__checkbox">
      <input type="checkbox" id={id} checked={pack.selected.has(o.id)} onChange={(e) => pack.select(o, e.target.checked)} />
      <label htmlFor={id}>
        {visible ? "Select to print" : <span className="visually-hidden">Select to print</span>}
        <span className="visually-hidden"> order {o.number}</span>
      </label>
    </div>
  );
}

/** The pack printed: its link (for 15 minutes), the orders in it, and any left out and why. */
export function PrintPackResult({ result }: { result: PrintPack }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), [result]);
  const until = new Date(result.url_expires_at).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  const n = result.orders.length;
  return (
    <div className="notice notice--success" role="status" tabIndex={-1} ref={box}>
      <h3>Print pack ready</h3>
      <p>
        {n} {n === 1 ? "order" : "orders"}, {result.documents} {result.documents === 1 ? "copy" : "copies"}: {n === 1 ? "it is" : "they are"} now processing.{" "}
        <a href={result.url} target="_blank" rel="noopener">
          Open the print pack (PDF)
        </a>{" "}
        — the link works for 15 minutes (until {until}); print the same orders again for a new one.
      </p>
      {n > 0 && (
        <>
          <p>In the pack:</p>
          <ul aria-label="Orders in the print pack">
            {result.orders.map((o) => (
              <li key={o.id}>
                <OrderRef order={o} />
              </li>
            ))}
          </ul>
        </>
      )}
      {result.left_out.length > 0 && (
        <>
          <p>Left out:</p>
          <ul aria-label="Orders left out of the print pack">
            {result.left_out.map((o) => (
              <li key={o.id}>
                <OrderRef order={o} />
                : {o.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function OrderRef({ order: o }: { order: { id: string; number: string } }) {
  return (
    <Link to={`/admin/orders/${encodeURIComponent(o.id)}`}>
      <span className="visually-hidden">Order </span>
      <span className="reference">{o.number}</span>
    </Link>
  );
}
