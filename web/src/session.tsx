// Who is signed in, and the awarding body's branding: loaded once, shared by every page.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { call, client, onSessionEnded, setCsrfToken, type Problem, type Profile, type Schemas } from "./api/client";

export type Site = Schemas["Site"];

type SessionState =
  | { state: "loading" }
  | { state: "failed"; problem: Problem }
  | { state: "ready"; site: Site; me: Profile | null; setupRequired?: boolean };

interface SessionApi {
  session: SessionState;
  /**
   * After sign-in, a password change or a profile change. `setupRequired`: the session can only
   * set up two-step sign-in (an administrator or centre user without it).
   */
  signedIn(me: Profile, csrfToken: string, setupRequired?: boolean): void;
  reload(): void;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    // Trying again after a failure shows that something is happening.
    setSession((s) => (s.state === "failed" ? { state: "loading" } : s));
    (async () => {
      const site = await call(client.GET("/api/site"));
      if (!site.ok) {
        if (!cancelled) setSession({ state: "failed", problem: site.problem });
        return;
      }
      const me = await call(client.GET("/api/me"));
      if (cancelled) return;
      if (me.ok) {
        setCsrfToken(me.data.csrf_token);
        setSession({ state: "ready", site: site.data, me: me.data, setupRequired: me.data.second_factor.setup_required });
      } else if (me.problem.status === 401) {
        setCsrfToken(null);
        setSession({ state: "ready", site: site.data, me: null });
      } else {
        setSession({ state: "failed", problem: me.problem });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  // A session that ends under a signed-in page (idle timeout, signed out elsewhere, password
  // reset) sends the person to sign in again, and back to where they were afterwards.
  const signedInNow = session.state === "ready" && session.me !== null;
  useEffect(() => {
    if (!signedInNow) return;
    onSessionEnded(() => {
      const here = window.location.pathname + window.location.search;
      window.location.assign(`/login?expired=1&next=${encodeURIComponent(here)}`);
    });
    return () => onSessionEnded(null);
  }, [signedInNow]);

  const signedIn = useCallback((me: Profile, csrfToken: string, setupRequired = false) => {
    setCsrfToken(csrfToken);
    setSession((s) => (s.state === "ready" ? { ...s, me, setupRequired } : s));
  }, []);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);

  const api = useMemo(() => ({ session, signedIn, reload }), [session, signedIn, reload]);
  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const api = useContext(SessionContext);
  if (!api) throw new Error("useSession outside SessionProvider");
  return api;
}

/** The site and the signed-in person; only used below the point where the session is ready. */
export function useReady(): { site: Site; me: Profile | null; setupRequired: boolean } {
  const { session } = useSession();
  if (session.state !== "ready") throw new Error("session not ready");
  return { site: session.site, me: session.me, setupRequired: Boolean(session.me && session.setupRequired) };
}

export const KIND_NAMES: Record<Profile["kind"], string> = {
  learner: "Learner",
  third_party: "Third party",
  centre: "Centre user",
  admin: "Administrator",
};
