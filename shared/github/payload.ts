/**
 * Shipline's part of a deployment payload (`{ "shipline": { ... } }`), whether GitHub hands
 * the payload over as an object (REST, webhooks) or as JSON text (GraphQL). Null when the
 * deployment is not Shipline's or the payload cannot be read.
 */
export function shiplineOf(payload: unknown): Record<string, unknown> | null {
  let value = payload;
  if (typeof payload === "string") {
    try {
      value = JSON.parse(payload) as unknown;
    } catch {
      return null;
    }
  }
  const shipline = typeof value === "object" && value !== null ? (value as { shipline?: unknown }).shipline : undefined;
  return typeof shipline === "object" && shipline !== null && !Array.isArray(shipline) ? (shipline as Record<string, unknown>) : null;
}
