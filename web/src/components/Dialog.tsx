import { useEffect, useId, useRef, type ReactNode } from "react";

/**
 * A modal dialog: the browser's own <dialog>, shown with showModal(), so the page behind is inert,
 * Escape closes it and focus stays inside. Its heading names it and takes focus when it opens;
 * when it closes, focus goes back to what opened it.
 */
export function Dialog({ title, onClose, children, wide }: { title: string; onClose(): void; children: ReactNode; wide?: boolean }) {
  const box = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const dialog = box.current;
    if (dialog && !dialog.open) dialog.showModal();
    heading.current?.focus();
    const cancel = (e: Event) => {
      e.preventDefault();
      close.current();
    };
    dialog?.addEventListener("cancel", cancel);
    return () => {
      dialog?.removeEventListener("cancel", cancel);
      if (dialog?.open) dialog.close();
      // The opener may have gone (a row that changed): then the page's heading is the next best.
      if (opener && opener.isConnected) opener.focus();
      else document.querySelector<HTMLElement>("h1")?.focus();
    };
  }, []);
  return (
    <dialog ref={box} className={wide ? "dialog dialog--wide" : "dialog"} aria-labelledby={headingId}>
      <div className="dialog__head">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <button type="button" className="dialog__close" onClick={() => close.current()}>
          <span aria-hidden="true">×</span>
          <span className="visually-hidden">Close</span>
        </button>
      </div>
      {children}
    </dialog>
  );
}
