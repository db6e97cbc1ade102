// The centre portal's shapes (CEN-1..5), named once for the pages: each is what a route answers,
// as the OpenAPI document (through schema.ts) says.
import type { paths } from "./schema";

type Answer<R> = R extends { content: { "application/json": infer T } } ? T : never;

export type CentreJobSummary = Answer<paths["/api/centre/jobs"]["get"]["responses"][200]>["items"][number];
/** A job and a page of its records. */
export type CentreJobPage = Answer<paths["/api/centre/jobs/{job_id}"]["get"]["responses"][200]>;
export type CentreRecord = Answer<paths["/api/centre/records"]["get"]["responses"][200]>["items"][number];
export type CentreDocument = CentreRecord["documents"][number];
export type Download = Answer<paths["/api/centre/downloads/{id}"]["get"]["responses"][200]>;
export type NotifyResult = Answer<paths["/api/centre/notifications"]["post"]["responses"][200]>;

/** One achievement of one learner: records have no id of their own. */
export function recordKey(r: CentreRecord): string {
  return `${r.job_id}\u0000${r.enrolment_number}\u0000${r.qualification_code}\u0000${r.award_date}`;
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString("en-GB", { day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit" });
}
