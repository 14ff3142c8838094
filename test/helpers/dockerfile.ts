import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../emulator/root.js";

export interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's text, its instructions (continuation lines joined, comments dropped) and its stages. */
export function readDockerfile(): { text: string; instructions: Instruction[]; stages: string[] } {
  const text = readFileSync(join(projectRoot(), "Dockerfile"), "utf8");
  const instructions = text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .filter((line) => line.trim() && !line.trim().startsWith("#"))
    .map((line) => {
      const [keyword, ...rest] = line.trim().split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(" ") };
    });
  return { text, instructions, stages: text.split(/^FROM /m).slice(1) };
}

/** The exec-form JSON array of an instruction (`CMD ["node", "x"]`, `HEALTHCHECK ... CMD [...]`). */
export function execForm(args: string): string[] {
  return JSON.parse(args.slice(args.indexOf("["))) as string[];
}

export function healthCheckCommand(): string[] {
  return execForm(readDockerfile().instructions.find((i) => i.keyword === "HEALTHCHECK")!.args);
}
