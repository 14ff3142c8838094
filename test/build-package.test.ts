import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageOutput } from "../shared/packaging/build-package.js";

/** A build output with nested folders, an executable and names whose order differs from creation order. */
function makeTree(mtime: number): string {
  const dir = mkdtempSync(join(tmpdir(), "shipline-tree-"));
  mkdirSync(join(dir, "static/css"), { recursive: true });
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "zeta.txt"), "last\n");
  writeFileSync(join(dir, "app.js"), "console.log(1)\n");
  writeFileSync(join(dir, "static/css/site.css"), "body{}\n");
  writeFileSync(join(dir, "bin/start"), "#!/bin/sh\nexec node app.js\n");
  chmodSync(join(dir, "bin/start"), 0o755);
  for (const path of ["zeta.txt", "app.js", "static/css/site.css", "bin/start", "static/css", "static", "bin", "."]) utimesSync(join(dir, path), mtime, mtime);
  return dir;
}

const pack = (source: string) =>
  packageOutput({ name: "web", version: "1.0.0", sha: "a".repeat(40), ref: "refs/heads/main", source, outDir: mkdtempSync(join(tmpdir(), "shipline-out-")), now: new Date("2026-12-06T00:00:00Z") });

describe("packageOutput: one archive, the same bytes wherever it is built", () => {
  it("gives two builds of the same tree the same digest, whatever the files' times, and the digest is the archive's SHA-256", async () => {
    const first = await pack(makeTree(1_700_000_000));
    const second = await pack(makeTree(1_800_000_000));
    expect(second.digest).toBe(first.digest);
    expect(first.digest).toBe(`sha256:${createHash("sha256").update(readFileSync(first.archivePath)).digest("hex")}`);
    expect(first.size).toBe(readFileSync(first.archivePath).length);
  });

  it("writes entries sorted by name, at the epoch, owned by 0 with no names, and the system's tar extracts them", async () => {
    const built = await pack(makeTree(1_700_000_000));
    const listing = execFileSync("tar", ["--numeric-owner", "--utc", "-tvzf", built.archivePath], { encoding: "utf8" }).trim().split("\n");
    expect(listing.map((line) => line.split(/\s+/).pop())).toEqual(["app.js", "bin/", "bin/start", "static/", "static/css/", "static/css/site.css", "zeta.txt"]);
    for (const line of listing) {
      const [mode, owners, , day, time] = line.split(/\s+/);
      expect([owners, day, time]).toEqual(["0/0", "1970-01-01", "00:00"]);
      expect(mode).toMatch(/^[d-]rw/);
    }
    expect(listing.find((line) => line.endsWith("bin/start"))).toMatch(/^-rwxr-xr-x/);
    const out = mkdtempSync(join(tmpdir(), "shipline-extract-"));
    execFileSync("tar", ["-xzf", built.archivePath, "-C", out]);
    expect(readFileSync(join(out, "static/css/site.css"), "utf8")).toBe("body{}\n");
    expect(readFileSync(join(out, "bin/start"), "utf8")).toBe("#!/bin/sh\nexec node app.js\n");
  });

  it("writes gzip with no timestamp and the Unix OS byte, so Windows runners give the same bytes", async () => {
    const built = await pack(makeTree(1_700_000_000));
    const header = readFileSync(built.archivePath).subarray(0, 10);
    expect([...header.subarray(0, 3)]).toEqual([0x1f, 0x8b, 8]);
    expect(header.readUInt32LE(4)).toBe(0);
    expect(header[9]).toBe(3);
  });
});
