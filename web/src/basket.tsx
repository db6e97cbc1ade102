// The buyer's basket as the header shows it (item count and total), shared by every page: loaded
// when a buyer (a learner, a third party or a centre user) is signed in, and replaced by each
// basket answer a page gets (the basket's routes answer the whole basket), or refreshed when a
// page knows it changed.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { call, client, type Profile } from "./api/client";
import type { Basket } from "./api/store";

interface BasketApi {
  /** null: not loaded (yet), or this account does not buy. */
  basket: Basket | null;
  /** Whether this account buys from the store (learners, third parties and centre users). */
  buys: boolean;
  /** A basket a route answered. */
  set(basket: Basket): void;
  refresh(): Promise<void>;
}

const BasketContext = createContext<BasketApi>({ basket: null, buys: false, set: () => {}, refresh: async () => {} });

export function buysFromStore(me: Profile | null): boolean {
  return Boolean(me && me.status === "active" && (me.kind === "learner" || me.kind === "third_party" || me.kind === "centre"));
}

export function BasketProvider({ me, children }: { me: Profile | null; children: ReactNode }) {
  const buys = buysFromStore(me);
  const [basket, setBasket] = useState<Basket | null>(null);
  const refresh = useCallback(async () => {
    if (!buys) return;
    const outcome = await call(client.GET("/api/basket"));
    // The header is a convenience: a failure leaves what it showed (the basket page says why).
    if (outcome.ok) setBasket(outcome.data);
  }, [buys]);
  useEffect(() => {
    setBasket(null);
    refresh();
  }, [refresh, me?.id]);
  const api = useMemo(() => ({ basket: buys ? basket : null, buys, set: setBasket, refresh }), [basket, buys, refresh]);
  return <BasketContext.Provider value={api}>{children}</BasketContext.Provider>;
}

export function useBasket(): BasketApi {
  return useContext(BasketContext);
}

export function items(count: number): string {
  return `${count} ${count === 1 ? "item" : "items"}`;
}
