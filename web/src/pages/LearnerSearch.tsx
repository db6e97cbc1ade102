import { useEffect, useRef, useState, type FormEvent } from "react";
import { call, client, type Problem, type Schemas } from "../api/client";
import { ErrorSummary, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { longDate } from "./Documents";

type Found = Schemas["LearnerFound"];

/** At least this many letters or digits, as the API asks. */
const MINIMUM = 3;

/** CON-9: a third party finds learners who chose to be found, by full name or a reference. */
export function LearnerSearch() {
  const [query, setQuery] = useState("");
  const [searched, setSearched] = useState<string | null>(null);
  const [items, setItems] = useState<Found[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [busy, setBusy] = useState(false);
  // The results' heading takes focus, so the outcome of each search is announced.
  const results = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (items) results.current?.focus();
  }, [items]);

  async function search(e: FormEvent) {
    e.preventDefault();
    const q = query.trim();
    if (q.replace(/[^\p{L}\p{N}]/gu, "").length < MINIMUM) {
      setErrors({ q: `needs at least ${MINIMUM} letters or digits` });
      return;
    }
    setErrors({});
    setBusy(true);
    const outcome = await call(client.GET("/api/search/learners", { params: { query: { q } } }));
    setBusy(false);
    if (outcome.ok) {
      setProblem(null);
      setItems(outcome.data.items);
      setSearched(q);
    } else {
      setProblem(outcome.problem);
      setItems(null);
    }
  }

  const limited = problem?.status === 429;
  return (
    <Page title="Search for a learner" lead="Find learners who have chosen to be found by employers and others, by their full name or a document's reference. You see their name, the reference, the qualification and its award date — nothing else." wide>
      <form role="search" aria-label="Learners" className="form" onSubmit={search} noValidate>
        {limited ? (
          <Notice kind="warning" focus>
            You have searched many times in a short while. Please wait a minute, then try again.
          </Notice>
        ) : (
          <ErrorSummary problem={problem} errors={errors} />
        )}
        <TextField name="q" type="search" label="Full name or reference" required hint={`At least ${MINIMUM} letters or digits, for example “Grace Hopper” or a reference such as 42121928-01-5KNO.`} value={query} onChange={setQuery} problem={limited ? null : problem} errors={errors} />
        <div className="actions">
          <SubmitButton busy={busy}>Search</SubmitButton>
        </div>
      </form>
      {items && (
        <section aria-labelledby="results" className="section">
          <h2 id="results" tabIndex={-1} ref={results}>
            {items.length === 0 ? `No learners found for “${searched}”` : `${items.length} ${items.length === 1 ? "result" : "results"} for “${searched}”`}
          </h2>
          {items.length === 0 && <p>Only learners who have chosen to be found are shown. Check the spelling, use the full name, or ask the learner to share their documents with you by adding a connection.</p>}
          {items.length > 0 && (
            <ul className="cards">
              {items.map((l) => (
                <li key={l.reference} className="card">
                  <h3 className="card__title">{l.full_name}</h3>
                  <dl className="summary summary--compact">
                    <div>
                      <dt>Reference</dt>
                      <dd className="reference">{l.reference}</dd>
                    </div>
                    <div>
                      <dt>Qualification</dt>
                      <dd>{l.qualification_title}</dd>
                    </div>
                    <div>
                      <dt>Award date</dt>
                      <dd>{longDate(l.award_date)}</dd>
                    </div>
                  </dl>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </Page>
  );
}
