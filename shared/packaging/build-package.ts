import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { create as createTar } from "tar";

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

/** Every path below `dir`, each folder before its contents and names in byte order: the archive's order. */
function sortedEntries(dir: string, prefix = ""): string[] {
  const names = readdirSync(join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return names.flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? [`${path}/`, ...sortedEntries(dir, path)] : [path];
  });
}

/** gzip's header byte 9 names the OS that wrote it (3 on Unix, 10 on Windows): fixed, so every runner gives one digest. */
const GZIP_OS_BYTE = 9;
const GZIP_OS_UNIX = 3;

/**
 * Packages a build output once per version, reproducibly: the same files give the same
 * archive and digest on Linux, macOS and Windows runners alike. The archive is made in the
 * process (node-tar), not by the system's tar, whose flags differ between GNU tar and bsdtar:
 * entries sorted, times fixed at the epoch, owners 0 with no names, gzip without a timestamp.
 * It is streamed to disk and hashed on the way, never held whole in memory.
 */
export async function packageOutput(options: {
  name: string;
  version: string;
  sha: string;
  ref: string;
  source: string;
  outDir: string;
  now: Date;
}): Promise<PackageManifest & { archivePath: string; manifestPath: string; reused: boolean }> {
  const base = `${options.name}-${options.version}`.replace(/[^A-Za-z0-9._-]/g, "_");
  const archivePath = join(options.outDir, `${base}.tar.gz`);
  const manifestPath = join(options.outDir, `${base}.manifest.json`);
  if (existsSync(archivePath) && existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as PackageManifest;
    if (manifest.digest === digestOf(readFileSync(archivePath))) return { ...manifest, archivePath, manifestPath, reused: true };
  }
  mkdirSync(options.outDir, { recursive: true });
  const hash = createHash("sha256");
  let size = 0;
  const digesting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (size === 0 && chunk.length > GZIP_OS_BYTE) chunk[GZIP_OS_BYTE] = GZIP_OS_UNIX;
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  // `portable` leaves out owners' ids and names, device and inode numbers and ctime/atime.
  const archive = createTar({ cwd: options.source, gzip: { level: 9 }, portable: true, mtime: new Date(0), noDirRecurse: true }, sortedEntries(options.source));
  // Written beside the final name and renamed: a run that dies mid-way leaves no archive a later run would trust.
  const partialPath = `${archivePath}.partial`;
  await pipeline(archive, digesting, createWriteStream(partialPath));
  renameSync(partialPath, archivePath);
  const manifest: PackageManifest = {
    name: options.name,
    version: options.version,
    sha: options.sha,
    ref: options.ref,
    created_at: options.now.toISOString(),
    archive: `${base}.tar.gz`,
    digest: `sha256:${hash.digest("hex")}`,
    size,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { ...manifest, archivePath, manifestPath, reused: false };
}
