import { beforeEach, describe, expect, it } from "vitest";
import { examplesOf, withInstallation } from "./helpers/examples.js";
import { github, mockInstallationToken, resetRequests, testProbot } from "./helpers/probot.js";

const REPO = "/repos/Codertocat/Hello-World";
const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

const push = () => withInstallation(examplesOf("push").find((p) => p.ref === "refs/heads/master" && p.installation)!);

/** Each broken file and what the failing check run must say about it: field path, expected, found. */
const BROKEN: Array<[string, string, string[]]> = [
  ["bad YAML indentation", "stages:\n  - environment: staging\n   auto: true\n", ["`line 3, column 1`: expected valid YAML (a mapping such as `stages:`); found Sequence item without - indicator."]],
  ["unclosed quote", 'stages:\n  - environment: "staging\n', ["`line 3, column 1`: expected valid YAML", "found Missing closing \"quote."]],
  ["a list at the top", "- staging\n- production\n", ["`(top level)`: expected a mapping of keys; found a list of 2 items"]],
  ["plain text", "just some words\n", ["valid YAML", "not an object"]],
  ["unknown top-level key", "stages:\n  - environment: staging\nstagse: []\n", ["`stagse`: expected `stages` (a known key", "found the unknown key `stagse`"]],
  ["misspelt release_notes key", "release_notes:\n  enabeld: true\n", ["`release_notes.enabeld`: expected `enabled` (a known key; the keys here are `enabled`, `publish`, `exclude_labels`, `categories`, `version_labels`, `max_commits`); found the unknown key `enabeld`"]],
  ["misspelt freeze window key", "stages:\n  - environment: production\n    freeze:\n      - from: fri 18:00\n        to: mon 08:00\n        timzone: UTC\n", ["`stages[0].freeze[0].timzone`: expected `timezone` (a known key; the keys here are `from`, `to`, `timezone`, `reason`)"]],
  ["misspelt category key", "release_notes:\n  categories:\n    - title: Security\n      lables: [security]\n", ["`release_notes.categories[0].lables`: expected `labels` (a known key; the keys here are `title`, `labels`, `types`)"]],
  ["unknown key far from any", "stages:\n  - environment: staging\n    colour: blue\n", ["`stages[0].colour`: expected one of the known keys `environment`, `auto`, `production`, `url`"]],
  ["misspelt stage key", "stages:\n  - enviroment: staging\n", ["`stages[0].environment`: expected an environment name", "found nothing (the field is missing)", "`stages[0].enviroment`: expected `environment`"]],
  ["wrong type for auto", "stages:\n  - environment: staging\n    auto: yes please\n", ["`stages[0].auto`: expected `true` or `false`; found `\"yes please\"`"]],
  ["unknown permission", "stages:\n  - environment: production\n    permission: god\n", ["`stages[0].permission`: expected one of `read`, `triage`, `write`, `maintain`, `admin`; found `\"god\"`"]],
  ["bad soak duration", "stages:\n  - environment: staging\n  - environment: production\n    soak: thirty\n", ["`stages[1].soak`: expected a duration like `30m`, `2h` or `1h30m`; found `\"thirty\"`"]],
  ["bad time zone", "stages:\n  - environment: production\n    freeze:\n      - from: fri 18:00\n        to: mon 08:00\n        timezone: Mars/Olympus\n", ["`stages[0].freeze[0].timezone`: expected an IANA time zone", "`\"Mars/Olympus\"`"]],
  ["mixed freeze window kinds", "stages:\n  - environment: production\n    freeze:\n      - from: fri 18:00\n        to: 2026-12-24\n", ["`stages[0].freeze[0].to`: expected the same kind of time as `from`"]],
  ["duplicate environment", "stages:\n  - environment: staging\n  - environment: Staging\n", ["`stages[1].environment`: expected an environment name used by no other stage; found `\"Staging\"`"]],
  ["empty stage list", "stages: []\n", ["`stages`: expected at least one stage; found a list of 0 items"]],
  ["non-http URL", "stages:\n  - environment: staging\n    url: javascript:alert(1)\n", ["`stages[0].url`: expected an http(s) URL"]],
  ["checks of the wrong type", "stages:\n  - environment: staging\n    checks: 3\n", ["`stages[0].checks`: expected `all`, `none`, or a list of check names; found `3`"]],
];

describe("a broken .github/shipline.yml becomes a failing Shipline check run", () => {
  let seen: ReturnType<typeof resetRequests>;
  beforeEach(() => {
    seen = resetRequests();
  });

  it.each(BROKEN)("%s", async (_name, yaml, mustSay) => {
    mockInstallationToken();
    github()
      .get(`${REPO}/contents/.github%2Fshipline.yml`)
      .query({ ref: SHA })
      .reply(200, yaml, { "content-type": "application/vnd.github.raw; charset=utf-8" });
    github().post(`${REPO}/check-runs`).reply(201, { id: 1 });

    await testProbot().receive({ id: "broken", name: "push", payload: push() as any });

    // Nothing is deployed: token, config, check run, and nothing else.
    expect(seen.map((r) => r.method)).toEqual(["POST", "GET", "POST"]);
    const run = seen[2]!.body as any;
    expect(run).toMatchObject({ name: "Shipline", head_sha: SHA, status: "completed", conclusion: "failure" });
    expect(run.output.title).toMatch(/^\.github\/shipline\.yml is not valid: \d+ problems?$/);
    expect(run.output.summary).toContain("so nothing was deployed from this commit");
    for (const words of mustSay) expect(run.output.summary).toContain(words);
  });

  it("lets GitHub's own failures through to the retry layer instead of blaming the file", async () => {
    mockInstallationToken();
    github().get(`${REPO}/contents/.github%2Fshipline.yml`).query({ ref: SHA }).reply(502, { message: "Bad Gateway" });
    await expect(testProbot().receive({ id: "5xx", name: "push", payload: push() as any })).rejects.toThrow(/Bad Gateway/);
    expect(seen.some((r) => r.path.endsWith("/check-runs"))).toBe(false);
  });
});
