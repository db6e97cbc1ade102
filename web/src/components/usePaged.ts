import { useCallback, useEffect, useRef, useState } from "react";
import type { Outcome, Problem } from "../api/client";

interface Paged<T> {
  items: T[];
  next_cursor?: string | null;
}

/**
 * A list the API gives a page at a time (or whole, with no cursor): the first page on mount (and whenever `fetchPage`
 * changes), more on `more()`. `fetchPage` should be memoised with its inputs.
 */
export function usePaged<T>(fetchPage: (cursor?: string) => Promise<Outcome<Paged<T>>>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loading, setLoading] = useState(false);
  // Only the newest request's answer counts: a slow answer to an older search is dropped.
  const latest = useRef(0);

  const load = useCallback(
    async (after?: string) => {
      const request = ++latest.current;
      setLoading(true);
      const outcome = await fetchPage(after);
      if (request !== latest.current) return;
      setLoading(false);
      if (!outcome.ok) {
        setProblem(outcome.problem);
        return;
      }
      setProblem(null);
      setItems((old) => (after && old ? [...old, ...outcome.data.items] : outcome.data.items));
      setCursor(outcome.data.next_cursor ?? null);
    },
    [fetchPage],
  );
  // A new query (another month, another state) starts from nothing: the old rows must not stand
  // beside its answer, or its problem.
  useEffect(() => {
    setItems(null);
    setProblem(null);
    load();
  }, [load]);

  return {
    items,
    setItems,
    problem,
    reload: () => load(),
    // One page at a time: no "more" while a page is on its way.
    more: cursor && !loading ? () => load(cursor) : null,
  };
}
