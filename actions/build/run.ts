import { existsSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import * as core from "@actions/core";
import { exec } from "@actions/exec";
import { buildVersion, packageOutput } from "../../shared/packaging/build-package.js";
import { failStep, InputError, readInputs } from "../inputs.js";
import { buildInputs } from "./inputs.js";

/**
 * Uploads with @actions/artifact, loaded only on a runner that offers the artifact service:
 * the client is 1.7 MB and would otherwise weigh on every start.
 */
async function upload(name: string, files: string[], root: string): Promise<string> {
  if (!process.env.ACTIONS_RUNTIME_TOKEN || !process.env.ACTIONS_RESULTS_URL) return "skipped: this runner offers no artifact service";
  const { DefaultArtifactClient } = (await import(new URL("../../lib/artifact.mjs", import.meta.url).href)) as typeof import("@actions/artifact");
  const { id, size } = await new DefaultArtifactClient().uploadArtifact(name, files, root);
  return `artifact ${id} (${size} bytes)`;
}

/** The build action: build, package once per version, digest, manifest, upload, summary. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs(buildInputs);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const sha = process.env.GITHUB_SHA ?? "";
    const ref = process.env.GITHUB_REF ?? "";
    if (inputs.command) {
      const code = await exec("bash", ["-e", "-c", inputs.command], { ignoreReturnCode: true, cwd: workspace });
      if (code !== 0) throw new InputError(`The build command exited with ${code}; nothing was packaged.`);
    }
    const source = isAbsolute(inputs.path) ? inputs.path : join(workspace, inputs.path);
    if (!existsSync(source)) throw new InputError(`Input \`path\`: \`${inputs.path}\` does not exist after the build. Point it at the folder your build writes.`);
    const name = inputs.name ?? (process.env.GITHUB_REPOSITORY ?? "build").split("/").pop()!;
    const version = buildVersion(inputs.version, ref, sha);
    const outDir = isAbsolute(inputs["out-dir"]) ? inputs["out-dir"] : join(workspace, inputs["out-dir"]);
    const pkg = await packageOutput({ name, version, sha, ref, source, outDir, now: new Date() });
    const uploaded = inputs.upload ? await upload(`${name}-${version}`, [pkg.archivePath, pkg.manifestPath], outDir) : "skipped: upload is false";

    core.setOutput("version", version);
    core.setOutput("artifact", pkg.archivePath);
    core.setOutput("digest", pkg.digest);
    core.setOutput("manifest", pkg.manifestPath);
    await core.summary
      .addHeading(`📦 ${name} ${version}`, 2)
      .addTable([
        [{ data: "", header: true }, { data: "", header: true }],
        ["Archive", relative(workspace, pkg.archivePath)],
        ["Digest", pkg.digest],
        ["Size", `${pkg.size} bytes`],
        ["Commit", sha.slice(0, 7) || "—"],
        ["Packaged", pkg.reused ? "already, for this version (reused)" : "now"],
        ["Upload", uploaded],
      ])
      .addRaw("Pass `digest` to the deploy action (input `digest`, or the deployment payload's `shipline.digest`) so it deploys this very package.", true)
      .write();
  } catch (error) {
    failStep(error);
  }
}
