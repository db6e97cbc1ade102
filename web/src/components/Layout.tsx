import { NavLink, Link, Outlet } from "react-router";
import { call, client } from "../api/client";
import { useReady, KIND_NAMES } from "../session";
import { gbp } from "../api/store";
import { BasketProvider, items, useBasket } from "../basket";

/** The navigation each kind of account sees: only its own portal (ACC-10). */
function links(kind: string): Array<[string, string]> {
  switch (kind) {
    case "admin":
      return [
        ["/dashboard", "Dashboard"],
        ["/admin/registrations", "Registrations"],
        ["/admin/accounts", "Accounts"],
        ["/admin/reports", "Reports"],
        ["/admin/documents", "Documents"],
        ["/admin/orders", "Orders"],
        ["/admin/centres", "Centre credit"],
        ["/admin/config", "Configuration"],
        ["/admin/audit", "Audit log"],
        ["/profile", "Profile"],
      ];
    case "learner":
      return [
        ["/dashboard", "Dashboard"],
        ["/documents", "Documents"],
        ["/store", "Store"],
        ["/orders", "Orders"],
        ["/connections", "Connections"],
        ["/profile", "Profile"],
      ];
    case "third_party":
      return [
        ["/dashboard", "Dashboard"],
        ["/connections", "Connections"],
        ["/search", "Search"],
        ["/store", "Store"],
        ["/orders", "Orders"],
        ["/profile", "Profile"],
      ];
    case "centre":
      return [
        ["/dashboard", "Dashboard"],
        ["/centre/jobs", "Jobs"],
        ["/centre/records", "Records"],
        ["/centre/downloads", "Downloads"],
        ["/orders", "Orders"],
        ["/centre/account", "Account"],
        ["/profile", "Profile"],
      ];
    default:
      return [
        ["/dashboard", "Dashboard"],
        ["/profile", "Profile"],
      ];
  }
}

export function Layout() {
  const { site, me, setupRequired } = useReady();

  async function signOut() {
    await call(client.POST("/api/auth/logout"));
    // A fresh page load: nothing of the signed-in person stays in memory, and the page guards
    // do not race this navigation to the sign-in page.
    window.location.assign("/login?signed_out=1");
  }

  return (
    <BasketProvider me={setupRequired ? null : me}>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="site-header">
        <div className="site-header__inner">
          <Link to="/" className="brand">
            {site.logo_url && <img src={site.logo_url} alt="" className="brand__logo" />}
            <span className="brand__name">{site.organisation_name}</span>
          </Link>
          {me ? (
            <div className="account-bar">
              <BasketLink />
              <span className="account-bar__who">
                {me.first_name} {me.last_name}
                <span className="account-bar__kind"> · {KIND_NAMES[me.kind]}</span>
              </span>
              <button type="button" className="link-button" onClick={signOut}>
                Sign out
              </button>
            </div>
          ) : (
            <nav aria-label="Account" className="account-bar">
              <NavLink to="/login">Sign in</NavLink>
              <NavLink to="/register">Register</NavLink>
            </nav>
          )}
        </div>
        {me && me.status === "active" && !setupRequired && (
          <nav aria-label="Main" className="main-nav">
            <ul>
              {links(me.kind).map(([to, label]) => (
                <li key={to}>
                  <NavLink to={to}>{label}</NavLink>
                </li>
              ))}
            </ul>
          </nav>
        )}
      </header>
      <main id="main" className="site-main">
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>
          Need help? E-mail <a href={`mailto:${site.support_email}`}>{site.support_email}</a>
          {site.support_phone && (
            <>
              {" "}
              or call <a href={`tel:${site.support_phone.replace(/\s+/g, "")}`}>{site.support_phone}</a>
            </>
          )}
          .
        </p>
        <p>© {site.organisation_name}</p>
      </footer>
    </BasketProvider>
  );
}

/** The basket in the header, on every page of a buyer: how many items, and their total. */
function BasketLink() {
  const { basket, buys } = useBasket();
  if (!buys) return null;
  // One line of inline text, so that its name is what it says: "Basket: 2 items, £60.00".
  return (
    <NavLink to="/basket" className="basket-link">
      Basket
      {basket && (
        <>
          :{" "}
          <span className="basket-link__count">
            {items(basket.count)}
            {basket.count > 0 && `, ${gbp(basket.total)}`}
          </span>
        </>
      )}
    </NavLink>
  );
}
