// The one way the app talks to the portal's API: typed by the OpenAPI document
// (src/api/schema.ts is generated from functions/openapi.json by `npm run api-types`).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type FieldError = Schemas["FieldError"];
export type Profile = Schemas["Profile"];
export type AccountKind = Schemas["AccountKind"];

/** What every call gives: the data, or a problem to show (never a thrown error). */
export type Outcome<T> = { ok: true; data: T; status: number } | { ok: false; problem: Problem };

// The session's CSRF token: sent back on every write, as the API asks of cookie sessions.
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

/** The headers a request that changes something sends when it is not made through `client`. */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { "X-CSRF-Token": csrfToken } : {};
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && request.method !== "HEAD" && csrfToken) {
      request.headers.set("X-CSRF-Token", csrfToken);
    }
    return request;
  },
};

// Told when the API says a signed-in person's session is gone (expired, or ended elsewhere).
let sessionEnded: (() => void) | null = null;
export function onSessionEnded(handler: (() => void) | null) {
  sessionEnded = handler;
}

export const client = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
client.use(csrf);

/** A problem the app makes when the portal cannot be reached or does not answer sensibly. */
export function unreachable(detail: string): Problem {
  return { type: "about:blank", title: "The portal cannot be reached", status: 0, detail };
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "status" in value && "title" in value;
}

/**
 * Runs a call and turns every way it can end into an Outcome: network failures and answers
 * that are not problem+json become problems too, so pages handle one shape.
 */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Outcome<T>> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    return {
      ok: false,
      problem: unreachable("Check your connection and try again. Nothing you typed has been lost."),
    };
  }
  const { data, error, response } = result;
  if (response.ok) {
    return { ok: true, data: data as T, status: response.status };
  }
  if (isProblem(error)) {
    if (response.status === 401) sessionEnded?.();
    return { ok: false, problem: error };
  }
  return {
    ok: false,
    problem: {
      type: "about:blank",
      title: "Something went wrong",
      status: response.status,
      detail: `The portal answered ${response.status}. Please try again in a moment.`,
    },
  };
}

/** The message for one field, if the problem names it. */
export function fieldError(problem: Problem | null | undefined, field: string): string | undefined {
  return problem?.errors?.find((e) => e.field === field)?.message;
}

/** Whether the problem is the portal failing (not the request being wrong). */
export function isFailure(problem: Problem): boolean {
  return problem.status === 0 || problem.status >= 500;
}
