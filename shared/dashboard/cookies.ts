import { createHmac, timingSafeEqual } from "node:crypto";

/** `value.signature`: HMAC-SHA256 of the value with the app's session secret, base64url. */
export function sign(value: string, secret: string): string {
  return `${value}.${createHmac("sha256", secret).update(value).digest("base64url")}`;
}

/** The value of a signed cookie, or null when its signature does not match (forged, or another secret). */
export function unsign(signed: string | undefined, secret: string): string | null {
  if (!signed) return null;
  const dot = signed.lastIndexOf(".");
  if (dot <= 0) return null;
  const value = signed.slice(0, dot);
  const expected = Buffer.from(sign(value, secret).slice(dot + 1));
  const given = Buffer.from(signed.slice(dot + 1));
  return expected.length === given.length && timingSafeEqual(expected, given) ? value : null;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return cookies;
}

export interface CookieOptions {
  maxAgeS: number;
  path?: string;
  /** Set when the dashboard is served over https (always, in production). */
  secure: boolean;
}

/** Always `HttpOnly` (no script reads it) and `SameSite=Lax` (no cross-site POST carries it). */
export function serializeCookie(name: string, value: string, { maxAgeS, path = "/", secure }: CookieOptions): string {
  return [`${name}=${encodeURIComponent(value)}`, `Max-Age=${maxAgeS}`, `Path=${path}`, "HttpOnly", "SameSite=Lax", ...(secure ? ["Secure"] : [])].join("; ");
}
