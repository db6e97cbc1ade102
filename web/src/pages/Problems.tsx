import { Link } from "react-router";
import type { Problem } from "../api/client";
import { Page } from "../components/Page";

/** The whole app could not start: the portal is unreachable or failing. */
export function FailurePage({ problem, retry }: { problem: Problem; retry(): void }) {
  return (
    <main id="main" className="site-main">
      <div className="page">
        <h1>{problem.status === 0 ? "The portal cannot be reached" : "The portal is not answering properly"}</h1>
        <p>{problem.detail}</p>
        <p>This is usually brief. Check your internet connection, then try again.</p>
        <button type="button" className="button" onClick={retry}>
          Try again
        </button>
      </div>
    </main>
  );
}

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>There is no page at this address. If you typed it, check it; if you followed a link, it may be out of date.</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </Page>
  );
}

export function WrongPortal() {
  return (
    <Page title="Not available to your account">
      <p>This page belongs to another kind of account. Each account sees only its own part of the portal.</p>
      <p>
        <Link to="/dashboard">Go to your dashboard</Link>
      </p>
    </Page>
  );
}
