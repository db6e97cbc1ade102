import type { ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation, useSearchParams } from "react-router";
import type { AccountKind } from "./api/client";
import { Layout } from "./components/Layout";
import { FailurePage, NotFound, WrongPortal } from "./pages/Problems";
import { Home } from "./pages/Home";
import { Login, safeNext } from "./pages/Login";
import { Register, CheckEmail } from "./pages/Register";
import { VerifyEmail } from "./pages/VerifyEmail";
import { CentreApproval } from "./pages/CentreApproval";
import { CancelEmailChange } from "./pages/CancelEmailChange";
import { ForgotPassword, ResetPassword } from "./pages/Passwords";
import { Dashboard } from "./pages/Dashboard";
import { Documents } from "./pages/Documents";
import { DocumentPage } from "./pages/DocumentPage";
import { ProfileDetails } from "./pages/ProfileDetails";
import { AddressBook } from "./pages/AddressBook";
import { ChangePassword } from "./pages/ChangePassword";
import { SignedInDevices } from "./pages/SignedInDevices";
import { SetUpTwoStep, TwoStep } from "./pages/TwoStep";
import { AdminRegistrations } from "./pages/AdminRegistrations";
import { AdminAccounts, AdminAccount } from "./pages/AdminAccounts";
import { AdminReports } from "./pages/AdminReports";
import { AdminDocuments } from "./pages/AdminDocuments";
import { AdminAudit } from "./pages/AdminAudit";
import { Connections } from "./pages/Connections";
import { SharedDocuments } from "./pages/SharedDocuments";
import { LearnerSearch } from "./pages/LearnerSearch";
import { CentreJob, CentreJobs } from "./pages/CentreJobs";
import { CentreRecords } from "./pages/CentreRecords";
import { CentreDownloads } from "./pages/CentreDownloads";
import { Store } from "./pages/Store";
import { Basket } from "./pages/Basket";
import { Checkout } from "./pages/Checkout";
import { Orders } from "./pages/Orders";
import { Order } from "./pages/Order";
import { CentreAccount } from "./pages/CentreAccount";
import { AdminOrders } from "./pages/AdminOrders";
import { AdminOrder } from "./pages/AdminOrder";
import { AdminCentreCredit } from "./pages/AdminCentreCredit";
import { AdminConfig } from "./pages/AdminConfig";
import { SessionProvider, useReady, useSession } from "./session";

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Gate />
      </SessionProvider>
    </BrowserRouter>
  );
}

/** Nothing renders until the branding and the session are known. */
function Gate() {
  const { session, reload } = useSession();
  if (session.state === "loading") {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  if (session.state === "failed") {
    return <FailurePage problem={session.problem} retry={reload} />;
  }
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Home />} />
        <Route path="login" element={<Anonymous><Login /></Anonymous>} />
        <Route path="register" element={<Anonymous><Register /></Anonymous>} />
        <Route path="register/check-email" element={<CheckEmail />} />
        <Route path="verify-email" element={<VerifyEmail />} />
        <Route path="centre-approval" element={<CentreApproval />} />
        <Route path="cancel-email-change" element={<CancelEmailChange />} />
        <Route path="forgot-password" element={<ForgotPassword />} />
        <Route path="reset-password" element={<ResetPassword />} />
        <Route path="dashboard" element={<SignedIn><Dashboard /></SignedIn>} />
        <Route path="documents" element={<SignedIn kinds={["learner"]}><Documents /></SignedIn>} />
        <Route path="documents/:reference" element={<SignedIn><DocumentPage /></SignedIn>} />
        <Route path="connections" element={<SignedIn kinds={["learner", "third_party"]}><Connections /></SignedIn>} />
        <Route path="connections/:id/documents" element={<SignedIn kinds={["third_party"]}><SharedDocuments /></SignedIn>} />
        <Route path="search" element={<SignedIn kinds={["third_party"]}><LearnerSearch /></SignedIn>} />
        <Route path="store" element={<SignedIn kinds={BUYERS}><Store /></SignedIn>} />
        <Route path="basket" element={<SignedIn kinds={BUYERS}><Basket /></SignedIn>} />
        <Route path="checkout" element={<SignedIn kinds={BUYERS}><Checkout /></SignedIn>} />
        <Route path="orders" element={<SignedIn kinds={BUYERS}><Orders /></SignedIn>} />
        <Route path="orders/:id" element={<SignedIn kinds={BUYERS}><Order /></SignedIn>} />
        <Route path="centre/jobs" element={<SignedIn kinds={["centre"]}><CentreJobs /></SignedIn>} />
        <Route path="centre/jobs/:jobId" element={<SignedIn kinds={["centre"]}><CentreJob /></SignedIn>} />
        <Route path="centre/records" element={<SignedIn kinds={["centre"]}><CentreRecords /></SignedIn>} />
        <Route path="centre/downloads" element={<SignedIn kinds={["centre"]}><CentreDownloads /></SignedIn>} />
        <Route path="centre/account" element={<SignedIn kinds={["centre"]}><CentreAccount /></SignedIn>} />
        <Route path="profile" element={<SignedIn><ProfileDetails /></SignedIn>} />
        <Route path="profile/addresses" element={<SignedIn><AddressBook /></SignedIn>} />
        <Route path="profile/password" element={<SignedIn><ChangePassword /></SignedIn>} />
        <Route path="profile/security" element={<SignedIn><TwoStep /></SignedIn>} />
        <Route path="profile/devices" element={<SignedIn><SignedInDevices /></SignedIn>} />
        <Route path="setup-two-step" element={<SetUpOnly><SetUpTwoStep /></SetUpOnly>} />
        <Route path="admin/registrations" element={<SignedIn kinds={["admin"]}><AdminRegistrations /></SignedIn>} />
        <Route path="admin/accounts" element={<SignedIn kinds={["admin"]}><AdminAccounts /></SignedIn>} />
        <Route path="admin/accounts/:id" element={<SignedIn kinds={["admin"]}><AdminAccount /></SignedIn>} />
        <Route path="admin/reports" element={<SignedIn kinds={["admin"]}><AdminReports /></SignedIn>} />
        <Route path="admin/documents" element={<SignedIn kinds={["admin"]}><AdminDocuments /></SignedIn>} />
        <Route path="admin/orders" element={<SignedIn kinds={["admin"]}><AdminOrders /></SignedIn>} />
        <Route path="admin/orders/:id" element={<SignedIn kinds={["admin"]}><AdminOrder /></SignedIn>} />
        <Route path="admin/centres" element={<SignedIn kinds={["admin"]}><AdminCentreCredit /></SignedIn>} />
        <Route path="admin/config" element={<SignedIn kinds={["admin"]}><AdminConfig /></SignedIn>} />
        <Route path="admin/audit" element={<SignedIn kinds={["admin"]}><AdminAudit /></SignedIn>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/** Who buys from the store's pages (a centre user orders for their learners, from their records). */
const BUYERS: AccountKind[] = ["learner", "third_party", "centre"];

/** Pages for a signed-in person, of one of `kinds` when given; others are sent to sign in. */
function SignedIn({ kinds, children }: { kinds?: AccountKind[]; children: ReactNode }) {
  const { me, setupRequired } = useReady();
  const location = useLocation();
  if (!me) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (setupRequired) {
    // Administrators and centre users set up two-step sign-in before anything else.
    return <Navigate to="/setup-two-step" replace />;
  }
  if (kinds && !kinds.includes(me.kind)) {
    return <WrongPortal />;
  }
  return <>{children}</>;
}

/** Sign-in and registration: a signed-in person goes to their dashboard instead. */
function Anonymous({ children }: { children: ReactNode }) {
  const { me, setupRequired } = useReady();
  const [params] = useSearchParams();
  if (me && setupRequired) return <Navigate to="/setup-two-step" replace />;
  return me ? <Navigate to={safeNext(params.get("next"))} replace /> : <>{children}</>;
}

/** The page a session that must set up two-step sign-in first is kept to. */
function SetUpOnly({ children }: { children: ReactNode }) {
  const { me, setupRequired } = useReady();
  if (!me) return <Navigate to="/login" replace />;
  return setupRequired ? <>{children}</> : <Navigate to="/dashboard" replace />;
}
