import { useState, type FormEvent } from "react";
import { call, client, type Problem, type Schemas } from "../api/client";
import { CheckboxField, ErrorSummary, Notice, SubmitButton, TextField } from "../components/Fields";
import { Page } from "../components/Page";
import { ProfileNav } from "../components/ProfileNav";
import { KIND_NAMES, useReady, useSession } from "../session";

type Editable = "first_name" | "middle_name" | "last_name" | "phone" | "additional_contact" | "company" | "email";

export function ProfileDetails() {
  const { me } = useReady();
  const { signedIn } = useSession();
  const profile = me!;
  const initial: Record<Editable, string> = {
    first_name: profile.first_name,
    middle_name: profile.middle_name ?? "",
    last_name: profile.last_name,
    phone: profile.phone ?? "",
    additional_contact: profile.additional_contact ?? "",
    company: profile.company ?? "",
    email: profile.email,
  };
  const [values, setValues] = useState(initial);
  const [optIn, setOptIn] = useState(Boolean(profile.third_party_search_opt_in));
  const [currentPassword, setCurrentPassword] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: Editable) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    // Only what changed is sent: absent fields stay as they are.
    const change: Schemas["ProfileChange"] = {};
    for (const field of Object.keys(values) as Editable[]) {
      if (values[field].trim() !== initial[field]) change[field] = values[field].trim();
    }
    // A new e-mail address needs the password (whoever has the session alone must not move it).
    if (change.email) change.current_password = currentPassword;
    if (profile.kind === "learner" && optIn !== Boolean(profile.third_party_search_opt_in)) {
      change.third_party_search_opt_in = optIn;
    }
    if (Object.keys(change).length === 0) {
      setSaved("Nothing has changed.");
      return;
    }
    setBusy(true);
    const outcome = await call(client.PATCH("/api/me", { body: change }));
    setBusy(false);
    if (outcome.ok) {
      setProblem(null);
      signedIn(outcome.data, outcome.data.csrf_token);
      setValues((v) => ({ ...v, email: outcome.data.email }));
      setCurrentPassword("");
      setSaved(change.email ? `Your details are saved. We have sent a link to ${change.email}: your e-mail address changes when it is followed.` : "Your details are saved.");
    } else {
      setSaved(null);
      setProblem(outcome.problem);
    }
  }

  return (
    <Page title="Your profile">
      <ProfileNav />
      {saved && <Notice kind="success">{saved}</Notice>}
      {profile.pending_email && !saved && (
        <Notice kind="warning">
          Your e-mail address changes to <strong>{profile.pending_email}</strong> when the link we sent there is followed.
        </Notice>
      )}
      <ErrorSummary problem={problem} />
      <dl className="summary summary--compact">
        <div>
          <dt>Account</dt>
          <dd>{KIND_NAMES[profile.kind]}</dd>
        </div>
        {profile.date_of_birth && (
          <div>
            <dt>Date of birth</dt>
            <dd>{profile.date_of_birth}</dd>
          </div>
        )}
        {profile.enrolment_number && (
          <div>
            <dt>Enrolment number</dt>
            <dd>{profile.enrolment_number}</dd>
          </div>
        )}
        {profile.centre_number && (
          <div>
            <dt>Centre</dt>
            <dd>
              {profile.centre_number} {profile.centre_name}
            </dd>
          </div>
        )}
      </dl>
      <form onSubmit={submit} noValidate className="form">
        <TextField name="first_name" label="First name" autoComplete="given-name" value={values.first_name} onChange={set("first_name")} problem={problem} required />
        <TextField name="middle_name" label="Middle name" autoComplete="additional-name" value={values.middle_name} onChange={set("middle_name")} problem={problem} />
        <TextField name="last_name" label="Last name" autoComplete="family-name" value={values.last_name} onChange={set("last_name")} problem={problem} required />
        <TextField name="email" label="E-mail address (your username)" type="email" inputMode="email" autoComplete="email" value={values.email} onChange={set("email")} problem={problem} required hint="A new address takes effect once you follow the link we send to it; your current address is told, and can cancel it." />
        {values.email.trim() !== initial.email && (
          <TextField name="current_password" label="Current password" type="password" autoComplete="current-password" value={currentPassword} onChange={setCurrentPassword} problem={problem} required hint="Needed to change your e-mail address." />
        )}
        <TextField name="phone" label="Phone" type="tel" autoComplete="tel" value={values.phone} onChange={set("phone")} problem={problem} />
        {profile.kind === "third_party" && <TextField name="company" label="Organisation" autoComplete="organization" value={values.company} onChange={set("company")} problem={problem} required />}
        <TextField name="additional_contact" label="Additional contact information" multiline value={values.additional_contact} onChange={set("additional_contact")} problem={problem} maxLength={500} />
        {profile.kind === "learner" && (
          <CheckboxField
            name="third_party_search_opt_in"
            label="Let employers and universities find me by search"
            checked={optIn}
            onChange={setOptIn}
            hint="They would see your full name, document references, qualification titles and award dates — nothing else. You can turn this off at any time."
          />
        )}
        <SubmitButton busy={busy}>Save changes</SubmitButton>
      </form>
    </Page>
  );
}
