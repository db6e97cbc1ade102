import { useEffect, useState } from "react";
import { Link } from "react-router";
import { call, client, type Profile } from "../api/client";
import { Page } from "../components/Page";
import { useReady } from "../session";

interface Tile {
  title: string;
  text: string;
  /** The page; none while the feature is not part of this portal yet. */
  to?: string;
  action: string;
}

/** "12" or "100+" for a first page that has more after it. */
function countOf(page: { items: unknown[]; next_cursor?: string | null }): string {
  return page.next_cursor ? `${page.items.length}+` : String(page.items.length);
}

function useCounts(me: Profile) {
  const [counts, setCounts] = useState<Record<string, string>>({});
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const found: Record<string, string> = {};
      if (me.kind === "admin") {
        const pending = await call(client.GET("/api/admin/registrations", { params: { query: { limit: 100 } } }));
        if (pending.ok) found.pending = countOf(pending.data);
      }
      if (me.kind === "learner") {
        const documents = await call(client.GET("/api/documents"));
        if (documents.ok) found.documents = String(documents.data.items.reduce((n, a) => n + a.documents.length, 0));
      }
      if (me.kind === "learner" || me.kind === "third_party") {
        const connections = await call(client.GET("/api/connections", { params: { query: { tab: "active", limit: 100 } } }));
        if (connections.ok) {
          const more = connections.data.next_cursor ? "+" : "";
          found.active = `${connections.data.items.filter((c) => c.status === "active").length}${more}`;
          found.pending = `${connections.data.items.filter((c) => c.status === "pending").length}${more}`;
        }
      }
      if (me.kind === "learner" || me.kind === "third_party" || me.kind === "centre") {
        const unpaid = await call(client.GET("/api/orders", { params: { query: { status: "awaiting_payment", limit: 100 } } }));
        if (unpaid.ok) found.unpaid = countOf(unpaid.data);
      }
      if (me.kind === "centre") {
        const jobs = await call(client.GET("/api/centre/jobs", { params: { query: { limit: 100 } } }));
        if (jobs.ok) found.jobs = countOf(jobs.data);
        const downloads = await call(client.GET("/api/centre/downloads", { params: { query: { limit: 100 } } }));
        if (downloads.ok) {
          const more = downloads.data.next_cursor ? "+" : "";
          found.ready = `${downloads.data.items.filter((d) => d.status === "ready").length}${more}`;
          found.preparing = `${downloads.data.items.filter((d) => d.status === "queued" || d.status === "building").length}${more}`;
        }
      }
      const addresses = await call(client.GET("/api/me/addresses"));
      if (addresses.ok) found.addresses = countOf(addresses.data);
      if (!cancelled) setCounts(found);
    })();
    return () => {
      cancelled = true;
    };
  }, [me.kind]);
  return counts;
}

function plural(count: string | undefined, one: string, many: string) {
  if (count === undefined) return "";
  return `${count} ${count === "1" ? one : many}`;
}

function tiles(me: Profile, counts: Record<string, string>): Tile[] {
  const addresses = counts.addresses === undefined ? "" : ` You have ${plural(counts.addresses, "saved address", "saved addresses")}.`;
  const connections = counts.active === undefined ? "" : ` You have ${plural(counts.active, "active connection", "active connections")} and ${plural(counts.pending, "pending", "pending")}.`;
  const orders = counts.unpaid === undefined || counts.unpaid === "0" ? "" : ` ${plural(counts.unpaid, "order is", "orders are")} awaiting payment.`;
  const profile: Tile = { title: "Profile", text: `Manage your personal details, password and addresses.${addresses}`, to: "/profile", action: "Manage" };
  switch (me.kind) {
    case "learner":
      return [
        {
          title: "Documents",
          text: `View your documents and badges.${counts.documents === undefined ? "" : ` You have ${plural(counts.documents, "document", "documents")}.`}`,
          to: "/documents",
          action: "View",
        },
        { title: "Store", text: "Order official printed copies of your certificates, or a letter confirming your achievement.", to: "/store", action: "Open" },
        { title: "Orders", text: `See your orders, pay for them and open the letters they issued.${orders}`, to: "/orders", action: "View" },
        { title: "Connections", text: `Share your documents with employers, universities and others for a limited time.${connections}`, to: "/connections", action: "Manage" },
        profile,
      ];
    case "third_party":
      return [
        { title: "Connections", text: `See the documents learners have shared with you, and ask learners to share.${connections}`, to: "/connections", action: "Manage" },
        { title: "Search", text: "Find learners who have chosen to be found, by name or a document's reference.", to: "/search", action: "Search" },
        { title: "Store", text: "Order a proof-of-qualification letter for an achievement a learner shares with you.", to: "/store", action: "Open" },
        { title: "Orders", text: `See your orders, pay for them and open the letters they issued.${orders}`, to: "/orders", action: "View" },
        profile,
      ];
    case "centre":
      return [
        {
          title: "Jobs",
          text: `The batches of documents issued to your centre's learners.${counts.jobs === undefined ? "" : ` ${plural(counts.jobs, "job has", "jobs have")} been issued.`}`,
          to: "/centre/jobs",
          action: "View",
        },
        { title: "Records", text: "Search your learners' records, view their documents, download them and tell learners they are ready.", to: "/centre/records", action: "Search" },
        {
          title: "Downloads",
          text: `Zip files of your learners' documents, ready to download.${counts.ready === undefined ? "" : ` ${plural(counts.ready, "is", "are")} ready and ${plural(counts.preparing, "is", "are")} being prepared.`}`,
          to: "/centre/downloads",
          action: "View",
        },
        { title: "Orders", text: `Your centre's orders of printed copies for its learners: order one from a learner's record.${orders}`, to: "/orders", action: "View" },
        { title: "Account", text: "Your centre's credit for orders on account, what it owes, and its monthly statements.", to: "/centre/account", action: "View" },
        profile,
      ];
    case "admin":
      return [
        {
          title: "Pending registrations",
          text: counts.pending === undefined ? "Registrations that did not match the records, waiting for you." : `${plural(counts.pending, "registration is", "registrations are")} waiting for review.`,
          to: "/admin/registrations",
          action: "Review",
        },
        { title: "Accounts", text: "Find an account, see its sign-in activity, lock or unlock it.", to: "/admin/accounts", action: "Find" },
        { title: "Reports", text: "Problems people reported with their documents: answer and close them.", to: "/admin/reports", action: "Answer" },
        { title: "Documents", text: "Find a document by its reference; revoke, withdraw or reissue it.", to: "/admin/documents", action: "Find" },
        { title: "Orders", text: "Every order, filtered: move orders on, price deliveries and give refunds.", to: "/admin/orders", action: "Open" },
        { title: "Centre credit", text: "A centre's credit limit, what it owes, and the payments it sends.", to: "/admin/centres", action: "Find" },
        { title: "Audit log", text: "What administrators changed, who, when and why.", to: "/admin/audit", action: "View" },
        profile,
      ];
  }
}

export function Dashboard() {
  const { site, me } = useReady();
  const counts = useCounts(me!);
  return (
    <Page title={`Welcome, ${me!.first_name}`} lead={`Your ${site.organisation_name} portal.`} wide>
      <ul className="tiles">
        {tiles(me!, counts).map((tile) => (
          <li key={tile.title} className={tile.to ? "tile" : "tile tile--soon"}>
            <h2>{tile.title}</h2>
            <p>{tile.text}</p>
            {tile.to ? (
              <Link className="button" to={tile.to}>
                {tile.action}
                <span className="visually-hidden"> {tile.title.toLowerCase()}</span>
              </Link>
            ) : (
              <p className="tile__soon">Not available yet</p>
            )}
          </li>
        ))}
      </ul>
    </Page>
  );
}
