import { useCallback, useEffect, useState } from "react";
import type { Outcome, Problem } from "../api/client";

/**
 * One thing the page shows, loaded on mount and whenever `fetchOne` changes (memoise it with its
 * inputs): the data, or the problem; `reload` to try again.
 */
export function useLoaded<T>(fetchOne: () => Promise<Outcome<T>>) {
  const [data, setData] = useState<T | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const reload = useCallback(async () => {
    setProblem(null);
    const outcome = await fetchOne();
    if (outcome.ok) setData(outcome.data);
    else setProblem(outcome.problem);
  }, [fetchOne]);
  useEffect(() => {
    reload();
  }, [reload]);
  return { data, setData, problem, reload };
}
