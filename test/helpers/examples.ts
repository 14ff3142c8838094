import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };

type Example = { name: string; examples: Array<Record<string, any>> };

/** Every example payload GitHub documents for an event, deep-copied so tests may edit them. */
export function examplesOf(event: string): Array<Record<string, any>> {
  const entry = (examples as unknown as Example[]).find((e) => e.name === event);
  if (!entry) throw new Error(`no @octokit/webhooks-examples entry for ${event}`);
  return entry.examples.map((e) => structuredClone(e));
}

/** Real payloads lack `installation` in some examples; Probot needs one to authenticate. */
export function withInstallation<T extends Record<string, any>>(payload: T, id = 1): T {
  return { ...payload, installation: payload.installation ?? { id, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" } };
}
