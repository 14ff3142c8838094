import type { Shapes } from "./shapes.js";
import type { Grant } from "./permissions.js";
import type { Account, GitHubState, PullRequest, Repository } from "./state.js";

/** The parts of Express's request and response the emulator uses (express ships no types). */
export interface Request {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  params?: Record<string, string>;
  actor?: Account;
  /** The permissions of the installation token the request carries (none for other tokens). */
  grant?: Grant;
}
export interface Response {
  statusCode: number;
  status(code: number): Response;
  json(body: unknown): Response;
  type(contentType: string): Response;
  send(body: string): Response;
  end(): Response;
  set(header: string, value: string): Response;
  on(event: "finish", listener: () => void): Response;
}

/** What openapi-backend hands a handler: the matched operation's parsed request. */
export interface OperationContext {
  request: { params: Record<string, string>; query: Record<string, string | string[] | undefined>; requestBody: any; headers: Record<string, string | string[] | undefined> };
  api: { mockResponseForOperation(operationId: string, opts?: { code?: number }): { status: number; mock: any } };
}

/** `{ status, json }` lets the simulator validate our response against the description. */
export type HandlerResult = { status: number; json: unknown } | void;
export type Handler = (c: OperationContext, req: Request, res: Response) => Promise<HandlerResult> | HandlerResult;

/** A state change GitHub would announce as a webhook. */
export type Notify = (event: string, repo: Repository, fields: Record<string, unknown>, sender: Account) => void;

export interface EmulatorContext {
  state: GitHubState;
  shapes: Shapes;
  notify: Notify;
  /** The `issue` of an `issue_comment` on a pull request, as GitHub sends it (with `pull_request`). */
  issueOf: (repo: Repository, pr: PullRequest) => Record<string, unknown>;
  /** The bot of the app that is the protection rule of `protectEnvironment`'s environments. */
  protectionRuleApp: string;
}

export function notFound(res: Response): void {
  res.status(404).json({ message: "Not Found", documentation_url: "https://docs.github.com/rest" });
}

export function unprocessable(res: Response, message: string, errors: unknown[] = []): void {
  res.status(422).json({ message, errors, documentation_url: "https://docs.github.com/rest" });
}

/** Resolves `{owner}/{repo}` or answers 404 as GitHub does. */
export function repoOf(ctx: EmulatorContext, c: OperationContext, res: Response): Repository | undefined {
  const repo = ctx.state.repo(c.request.params.owner ?? "", c.request.params.repo ?? "");
  if (!repo) notFound(res);
  return repo;
}

export function actorOf(ctx: EmulatorContext, req: { actor?: Account }): Account {
  return req.actor ?? ctx.state.account("ghost");
}

export function page<T>(items: T[], query: OperationContext["request"]["query"]): T[] {
  const perPage = Math.min(Number(query.per_page ?? 30), 100);
  const pageNumber = Math.max(Number(query.page ?? 1), 1);
  return items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
}
