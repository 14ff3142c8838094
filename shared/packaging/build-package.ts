import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** Version from the input, else the tag being built, else `0.0.0-<sha7>` (semver pre-release). */
export function buildVersion(input: string | undefined, ref: string, sha: string): string {
  if (input) return input;
  const tag = /^refs\/tags\/(.+)$/.exec(ref)?.[1];
  if (tag) return tag;
  return `0.0.0-${sha.slice(0, 7)}`;
}

export interface PackageManifest {
  name: string;
  version: string;
  sha: string;
  ref: string;
  created_at: string;
  archive: string;
  /** `sha256:<hex>` of the archive: what deploy checks before it deploys. */
  digest: string;
  size: number;
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * Packages a build output once per version, reproducibly: the same files give the same
 * archive and digest (sorted entries, fixed times and owners, gzip without a timestamp).
 * `tar` runs with an argument list, never a shell string.
 */
export async function packageOutput(options: {
  name: string;
  version: string;
  sha: string;
  ref: string;
  source: string;
  outDir: string;
  now: Date;
  tar: (args: string[]) => Promise<number>;
}): Promise<PackageManifest & { archivePath: string; manifestPath: string; reused: boolean }> {
  const base = `${options.name}-${options.version}`.replace(/[^A-Za-z0-9._-]/g, "_");
  const archivePath = join(options.outDir, `${base}.tar.gz`);
  const manifestPath = join(options.outDir, `${base}.manifest.json`);
  if (existsSync(archivePath) && existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as PackageManifest;
    if (manifest.digest === digestOf(readFileSync(archivePath))) return { ...manifest, archivePath, manifestPath, reused: true };
  }
  mkdirSync(options.outDir, { recursive: true });
  const tarPath = join(options.outDir, `${base}.tar`);
  const code = await options.tar(["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-cf", tarPath, "-C", options.source, "."]);
  if (code !== 0) throw new Error(`tar exited with ${code} while packaging ${options.source}`);
  const archive = gzipSync(readFileSync(tarPath), { level: 9 });
  rmSync(tarPath);
  writeFileSync(archivePath, archive);
  const manifest: PackageManifest = {
    name: options.name,
    version: options.version,
    sha: options.sha,
    ref: options.ref,
    created_at: options.now.toISOString(),
    archive: `${base}.tar.gz`,
    digest: digestOf(archive),
    size: archive.length,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { ...manifest, archivePath, manifestPath, reused: false };
}
