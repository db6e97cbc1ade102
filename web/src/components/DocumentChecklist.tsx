import { useCallback } from "react";
import { call, client } from "../api/client";
import { KIND, STATUS, longDate } from "../pages/Documents";
import { LoadFailure } from "./Fields";
import { usePaged } from "./usePaged";

/**
 * CON-1, CON-3, CON-4: the learner's achievements with their documents and badges, a checkbox
 * each; only valid documents can be shared (the others show why not).
 */
export function DocumentChecklist({ selected, onChange, error }: { selected: string[]; onChange(selected: string[]): void; error?: string }) {
  const fetchAll = useCallback(() => call(client.GET("/api/documents")), []);
  const { items, problem, reload } = usePaged(fetchAll);
  const chosen = new Set(selected);
  function toggle(reference: string, on: boolean) {
    const next = new Set(chosen);
    if (on) next.add(reference);
    else next.delete(reference);
    onChange([...next]);
  }
  return (
    <fieldset className={error ? "field field--error checklist" : "field checklist"} aria-describedby={error ? "field-document_references-error" : "checklist-hint"}>
      <legend>Documents to share</legend>
      <p className="hint" id="checklist-hint">
        Choose what they may see. Only valid documents can be shared. You can change this later.
      </p>
      {error && (
        <p className="field-error" id="field-document_references-error">
          <span className="visually-hidden">Error: </span>
          {error}
        </p>
      )}
      <LoadFailure problem={problem} retry={reload} />
      {!items && !problem && <p role="status">Loading your documents…</p>}
      {items && items.length === 0 && <p>You have no documents to share yet. You can still send the connection and share documents later.</p>}
      {items?.map((a, i) => (
        <div key={`${a.job_id}-${a.qualification_code}-${a.award_date}`} className="checklist__group" role="group" aria-labelledby={`checklist-group-${i}`}>
          <p className="checklist__title" id={`checklist-group-${i}`}>
            {a.qualification_title} <span className="checklist__date">({a.qualification_code}, {longDate(a.award_date)})</span>
          </p>
          {a.documents.map((d, j) => {
            const id = i === 0 && j === 0 ? "field-document_references" : `share-${d.reference}`;
            const valid = d.status === "valid";
            return (
              <div className="field--checkbox checklist__item" key={d.reference}>
                <input type="checkbox" id={id} name="document_references" value={d.reference} checked={chosen.has(d.reference)} disabled={!valid} onChange={(e) => toggle(d.reference, e.target.checked)} />
                <label htmlFor={id}>
                  {KIND[d.type]} <span className="reference">{d.reference}</span>
                  {!valid && <span className="tag tag--danger">{STATUS[d.status]}: cannot be shared</span>}
                </label>
              </div>
            );
          })}
        </div>
      ))}
    </fieldset>
  );
}
