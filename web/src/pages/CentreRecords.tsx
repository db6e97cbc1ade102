import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { recordKey, type CentreRecord } from "../api/centre";
import { call, client } from "../api/client";
import { DownloadDialog, NOTIFY_MAX, NotifyDialog, ReportDialog, learnersOf, pdfReferences } from "../components/CentreDialogs";
import { LoadFailure, Notice, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { RecordList } from "../components/RecordList";
import { usePaged } from "../components/usePaged";
import { useReady } from "../session";

const FILTERS = ["q", "qualification", "from", "to"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

type Open = { kind: "download" } | { kind: "notify" } | { kind: "report"; record: CentreRecord } | null;

/**
 * CEN-2..5: the centre's learner records, searched and paged; a selection to download (a zip
 * built in the background) or to tell the learners; a report on any record.
 */
export function CentreRecords() {
  const { site } = useReady();
  const [params, setParams] = useSearchParams();
  const applied: Filters = { q: params.get("q") ?? "", qualification: params.get("qualification") ?? "", from: params.get("from") ?? "", to: params.get("to") ?? "" };
  const { q, qualification, from, to } = applied;
  const [form, setForm] = useState<Filters>(applied);
  const fetchPage = useCallback(
    (cursor?: string) =>
      call(
        client.GET("/api/centre/records", {
          params: { query: { q: q || undefined, qualification: qualification || undefined, from: from || undefined, to: to || undefined, cursor, limit: 25 } },
        }),
      ),
    [q, qualification, from, to],
  );
  const { items, problem, more, reload } = usePaged(fetchPage);
  // The selection is of what the current search shows: a new search starts a new one.
  const [selected, setSelected] = useState<Map<string, CentreRecord>>(() => new Map());
  useEffect(() => setSelected(new Map()), [fetchPage]);
  const [open, setOpen] = useState<Open>(null);
  const [message, setMessage] = useState<{ kind: "success" | "warning"; text: string } | null>(null);

  // After a search, its results' heading takes focus, so what was found is announced.
  const searched = useRef(false);
  const results = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if ((items || problem) && searched.current) {
      searched.current = false;
      results.current?.focus();
    }
  }, [items, problem]);

  function search(e: FormEvent) {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = form[name].trim();
      if (value) next.set(name, value);
    }
    searched.current = true;
    setMessage(null);
    setParams(next);
  }

  function clear() {
    setForm({ q: "", qualification: "", from: "", to: "" });
    searched.current = true;
    setMessage(null);
    setParams(new URLSearchParams());
  }

  function select(r: CentreRecord, on: boolean) {
    setSelected((old) => {
      const next = new Map(old);
      if (on) next.set(recordKey(r), r);
      else next.delete(recordKey(r));
      return next;
    });
  }

  const shown = items ?? [];
  const allShown = shown.length > 0 && shown.every((r) => selected.has(recordKey(r)));
  const someShown = shown.some((r) => selected.has(recordKey(r)));
  function selectAll(on: boolean) {
    setSelected(on ? new Map(shown.map((r) => [recordKey(r), r])) : new Map());
  }
  const selectAllBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (selectAllBox.current) selectAllBox.current.indeterminate = someShown && !allShown;
  }, [someShown, allShown]);

  const chosen = [...selected.values()];
  const references = pdfReferences(chosen);
  const learners = learnersOf(chosen);

  function act(kind: "download" | "notify") {
    if (chosen.length === 0) {
      setMessage({ kind: "warning", text: "Select at least one record first, with the checkboxes beside the records." });
      return;
    }
    if (kind === "download" && references.length === 0) {
      setMessage({ kind: "warning", text: "The selected records have no documents to download: badges have no PDF." });
      return;
    }
    if (kind === "notify" && learners.length > NOTIFY_MAX) {
      setMessage({ kind: "warning", text: `You can notify up to ${NOTIFY_MAX} learners at a time; you have selected ${learners.length}. Select fewer records.` });
      return;
    }
    setMessage(null);
    setOpen({ kind });
  }

  const filtered = FILTERS.some((name) => applied[name]);
  const here = `/centre/records${params.toString() ? `?${params.toString()}` : ""}`;
  const set = (name: keyof Filters) => (value: string) => setForm((f) => ({ ...f, [name]: value }));
  return (
    <Page title="Records" lead="Your centre's learner records, newest award first. Search by a learner's name, their enrolment number or a document's reference; select records to download their documents or to tell the learners that their documents are ready." wide>
      <form role="search" aria-label="Records" className="form search-form" onSubmit={search} noValidate>
        <div className="search-form__fields">
          <TextField name="q" type="search" label="Name, enrolment number or reference" hint="Part of a first or last name, or a whole enrolment number or reference." value={form.q} onChange={set("q")} problem={problem} />
          <TextField name="qualification" label="Qualification" hint="Part of its title, or its code." value={form.qualification} onChange={set("qualification")} problem={problem} />
          <TextField name="from" type="date" label="Awarded from" value={form.from} onChange={set("from")} problem={problem} width="medium" />
          <TextField name="to" type="date" label="Awarded to" value={form.to} onChange={set("to")} problem={problem} width="medium" />
        </div>
        <div className="actions">
          <button type="submit" className="button">
            Search
          </button>
          {filtered && (
            <button type="button" className="button button--secondary" onClick={clear}>
              Clear the search
            </button>
          )}
        </div>
      </form>

      {message && (
        <Notice kind={message.kind} focus>
          {message.text}
        </Notice>
      )}

      <section aria-labelledby="results" className="section">
        <h2 id="results" tabIndex={-1} ref={results}>
          {!items ? "Records" : items.length === 0 ? "No records found" : filtered ? `Records found: ${items.length}${more ? "+" : ""}` : "Records"}
        </h2>
        <LoadFailure problem={problem} retry={reload} />
        {!items && !problem && <p role="status">Loading records…</p>}
        {items && items.length === 0 && <p>{filtered ? "No records match your search. Check the spelling, or search with fewer details." : "No documents have been issued to your centre's learners yet."}</p>}
        {items && items.length > 0 && (
          <>
            <div className="selection-bar">
              <div className="field--checkbox">
                <input type="checkbox" id="select-all" ref={selectAllBox} checked={allShown} onChange={(e) => selectAll(e.target.checked)} />
                <label htmlFor="select-all">Select all records on this page</label>
              </div>
              <p className="selection-bar__count" role="status">
                {chosen.length === 0 ? "No records selected." : `${chosen.length} ${chosen.length === 1 ? "record" : "records"} selected: ${learners.length} ${learners.length === 1 ? "learner" : "learners"}, ${references.length} ${references.length === 1 ? "document" : "documents"} to download.`}
              </p>
              <div className="selection-bar__actions">
                <button type="button" className="button" onClick={() => act("download")}>
                  Download
                </button>
                <button type="button" className="button button--secondary" onClick={() => act("notify")}>
                  Notify learners
                </button>
                {chosen.length > 0 && (
                  <button type="button" className="link-button" onClick={() => setSelected(new Map())}>
                    Clear the selection
                  </button>
                )}
              </div>
            </div>
            <RecordList
              records={items}
              back={{ to: here, label: "Back to the records" }}
              selected={new Set(selected.keys())}
              onSelect={select}
              onReport={(record) => {
                setMessage(null);
                setOpen({ kind: "report", record });
              }}
              showJob
              caption="Records, newest award first"
            />
            {more && (
              <button type="button" className="button button--secondary" onClick={more}>
                Show more records
              </button>
            )}
          </>
        )}
      </section>
      <p>
        Zip files you asked for are on the <Link to="/centre/downloads">Downloads</Link> page.
      </p>

      {open?.kind === "download" && <DownloadDialog of={{ references, records: chosen.length }} onClose={() => setOpen(null)} />}
      {open?.kind === "notify" && <NotifyDialog learners={learners} onClose={() => setOpen(null)} />}
      {open?.kind === "report" && (
        <ReportDialog
          record={open.record}
          onClose={() => setOpen(null)}
          onSent={(reference) => {
            setOpen(null);
            setMessage({ kind: "success", text: `Thank you. Your report on ${reference} has been sent to ${site.organisation_name}. We will e-mail you when it has been looked into.` });
          }}
        />
      )}
    </Page>
  );
}
