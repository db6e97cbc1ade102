import { Link, Navigate } from "react-router";
import { Page } from "../components/Page";
import { useReady } from "../session";

export function Home() {
  const { site, me } = useReady();
  if (me) return <Navigate to="/dashboard" replace />;
  return (
    <Page title={`Welcome to ${site.organisation_name}`} lead="See the official documents issued to you, share them with employers and universities for as long as you choose, and order printed copies.">
      <div className="actions">
        <Link className="button" to="/login">
          Sign in
        </Link>
        <Link className="button button--secondary" to="/register">
          Create an account
        </Link>
      </div>
      <section aria-labelledby="who" className="section">
        <h2 id="who">Who the portal is for</h2>
        <ul className="plain-list">
          <li>
            <strong>Learners</strong>: your certificates, unit certificates, letters and badges.
          </li>
          <li>
            <strong>Employers, universities and auditors</strong>: the documents learners share with you.
          </li>
          <li>
            <strong>Training centres</strong>: the documents issued to your learners.
          </li>
        </ul>
      </section>
      <section aria-labelledby="check" className="section">
        <h2 id="check">Checking a paper certificate?</h2>
        <p>Scan the QR code printed on it with your phone's camera: you will see at once whether it is genuine and current. No account needed.</p>
      </section>
    </Page>
  );
}
