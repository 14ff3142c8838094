import nock from "nock";

// A request no mock answers, whatever the code then does with nock's error: a handler that
// swallows it (release notes are best effort) must not hide an unexpected call.
/** Loopback hosts: the emulator and local services, the only network tests may reach. */
export const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;
const unmatched: string[] = [];

type NoMatch = { method?: string; path?: string; host?: string; hostname?: string; options?: { host?: string; hostname?: string; path?: string; method?: string } };

nock.emitter.on("no match", (req: NoMatch) => {
  const host = req.host ?? req.hostname ?? req.options?.host ?? req.options?.hostname ?? "";
  if (LOOPBACK.test(host)) return;
  unmatched.push(`${req.method ?? req.options?.method ?? "?"} ${host}${req.path ?? req.options?.path ?? ""}`);
});

/** The requests to GitHub that no mock answered since the last call, and forgets them. */
export function takeUnmatched(): string[] {
  return unmatched.splice(0);
}
