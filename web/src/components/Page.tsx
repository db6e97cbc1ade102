import { useEffect, useRef, type ReactNode } from "react";
import { useSession } from "../session";

/**
 * One page: sets the window title and, after navigation, moves focus to the heading so that
 * screen-reader and keyboard users start at the top of the new content.
 */
// On the first page of a visit the browser's own focus order stands (the skip link first);
// after each in-app navigation focus moves to the new heading.
let firstPage = true;

export function Page({ title, lead, children, wide }: { title: string; lead?: ReactNode; children?: ReactNode; wide?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const { session } = useSession();
  const organisation = session.state === "ready" ? session.site.organisation_name : "";
  useEffect(() => {
    document.title = organisation ? `${title} — ${organisation}` : title;
  }, [title, organisation]);
  useEffect(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    heading.current?.focus({ preventScroll: false });
  }, [title]);
  return (
    <div className={wide ? "page page--wide" : "page"}>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {lead && <p className="lead">{lead}</p>}
      {children}
    </div>
  );
}

/** What a page reached through an e-mailed link shows when the link arrived without its token. */
export function IncompleteLink() {
  return (
    <Page title="This link is not complete">
      <p>The address you opened has no code in it. Open the link from the e-mail again, or copy the whole address into your browser.</p>
    </Page>
  );
}
