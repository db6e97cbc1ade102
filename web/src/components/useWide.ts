import { useEffect, useState } from "react";

const WIDE = "(min-width: 60rem)";

/** Whether the screen is wide enough for a table; phones get cards instead. */
export function useWide() {
  const [wide, setWide] = useState(() => window.matchMedia(WIDE).matches);
  useEffect(() => {
    const query = window.matchMedia(WIDE);
    const changed = () => setWide(query.matches);
    query.addEventListener("change", changed);
    changed();
    return () => query.removeEventListener("change", changed);
  }, []);
  return wide;
}
