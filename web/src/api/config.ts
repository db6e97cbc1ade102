// The configuration console's shapes (ADM-4) and the one way pages read the configuration now:
// administrators have no store catalogue of their own, so the back office's product and delivery
// lists come from it.
import { useCallback } from "react";
import { useLoaded } from "../components/useLoaded";
import { call, client, type Schemas } from "./client";

export type Configuration = Schemas["Configuration"];
export type ConfigVersion = Schemas["ConfigVersion"];
export type ConfigProduct = Schemas["Product"];
export type ConfigDeliveryOption = Schemas["DeliveryOption"];
export type VatRate = Schemas["VatRate"];
export type Countries = Schemas["Countries"];
export type DocumentKind = Schemas["DocumentKind"];

/** The configuration now (GET /api/admin/config), for administrators' pages. */
export function useConfiguration() {
  const fetchOne = useCallback(() => call(client.GET("/api/admin/config")), []);
  return useLoaded(fetchOne);
}

export const COUNTRIES: Record<Countries, string> = {
  uk: "The UK",
  international: "Outside the UK",
  any: "Anywhere",
};
