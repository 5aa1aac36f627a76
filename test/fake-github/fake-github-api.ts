// GitHub's REST API, the part the workflows use, over the in-memory FakeGitHub: as a fetch
// function (injected into Octokit) and as a loopback HTTP server (for a process such as
// @github/local-action, or an action run through GITHUB_API_URL). Requests are recorded, and
// faults can be queued: a secondary rate limit, a server error.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ANNOTATIONS_PER_REQUEST, type CheckAnnotation } from "../../src/github/client.ts";
import { FakeGitHub, FakeGitHubError } from "../../src/github/fake-github.ts";

export interface Fault {
  readonly status: number;
  readonly message: string;
  readonly headers?: Record<string, string>;
}

export const SECONDARY_RATE_LIMIT: Fault = {
  status: 403,
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  headers: { "retry-after": "1" },
};

export class FakeGitHubApi {
  readonly requests: string[] = [];
  private readonly faults: Array<{ match: RegExp; fault: Fault }> = [];

  readonly github: FakeGitHub;

  constructor(github: FakeGitHub = new FakeGitHub()) {
    this.github = github;
  }

  /** The next request whose "METHOD /path" matches gets the fault instead of an answer. */
  failNext(match: RegExp, fault: Fault): void {
    this.faults.push({ match, fault });
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    return this.handle(
      request.method,
      new URL(request.url),
      request.method === "GET" ? undefined : await request.text(),
    );
  };

  async handle(method: string, url: URL, text: string | undefined): Promise<Response> {
    const line = `${method} ${url.pathname}`;
    this.requests.push(line);
    const faultAt = this.faults.findIndex((f) => f.match.test(line));
    if (faultAt >= 0) {
      const { fault } = this.faults.splice(faultAt, 1)[0]!;
      return json(fault.status, { message: fault.message }, fault.headers);
    }
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    try {
      return this.route(method, url, body) ?? json(404, { message: "Not Found" });
    } catch (e) {
      if (e instanceof FakeGitHubError) return json(e.status, { message: e.message });
      throw e;
    }
  }

  private route(method: string, url: URL, body: Record<string, unknown>): Response | undefined {
    const gh = this.github;
    const { owner, repo } = gh.repository;
    const base = `/repos/${owner}/${repo}`;
    const path = url.pathname;
    const at = (pattern: string) => new RegExp(`^${base}${pattern}$`).exec(path);
    let m = at("/commits/([0-9a-f]+)/pulls");
    if (method === "GET" && m) {
      const pulls = gh.pullsByCommit.get(m[1]!) ?? [];
      return json(
        200,
        pulls.map((p) => ({
          number: p.number,
          html_url: p.url,
          state: p.state,
          merged_at: p.merged ? "2026-01-01T00:00:00Z" : null,
          merge_commit_sha: p.mergeCommitSha,
        })),
      );
    }
    m = at("/issues/(\\d+)/comments");
    if (m) {
      const issue = Number(m[1]);
      if (method === "GET") {
        const all = gh.commentsOn(issue);
        const perPage = Number(url.searchParams.get("per_page") ?? 30);
        const page = Number(url.searchParams.get("page") ?? 1);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(url);
          next.searchParams.set("page", String(page + 1));
          headers["link"] = `<${next.toString()}>; rel="next"`;
        }
        return json(200, slice.map(apiComment), headers);
      }
      if (method === "POST") {
        const c = gh.createIssueCommentNow(issue, String(body["body"]));
        return json(201, apiComment(c));
      }
    }
    m = at("/issues/comments/(\\d+)");
    if (method === "PATCH" && m) {
      const c = gh.updateIssueCommentNow(Number(m[1]), String(body["body"]));
      return c ? json(200, apiComment(c)) : json(404, { message: "Not Found" });
    }
    if (method === "POST" && path === `${base}/check-runs`) {
      const output = body["output"] as { title: string; summary: string; annotations?: unknown[] };
      const run = gh.createCheckRunBatch({
        name: String(body["name"]),
        headSha: String(body["head_sha"]),
        conclusion: body["conclusion"] as "success" | "failure" | "neutral",
        title: output.title,
        summary: output.summary,
        annotations: (output.annotations ?? []).map(fromApiAnnotation),
      });
      return json(201, { id: run.id, html_url: `https://github.com/${owner}/${repo}/runs/${run.id}` });
    }
    m = at("/check-runs/(\\d+)");
    if (method === "PATCH" && m) {
      const output = body["output"] as { annotations?: unknown[] };
      const annotations = (output.annotations ?? []).map(fromApiAnnotation);
      if (annotations.length > ANNOTATIONS_PER_REQUEST)
        return json(422, { message: `at most ${ANNOTATIONS_PER_REQUEST} annotations per request` });
      gh.appendAnnotations(Number(m[1]), annotations);
      return json(200, { id: Number(m[1]) });
    }
    return undefined;
  }

  /** Serves the API on loopback; `url` is what GITHUB_API_URL should be. */
  async listen(): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const response = await this.handle(req.method ?? "GET", url, text === "" ? undefined : text);
    res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
    res.end(await response.text());
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function apiComment(c: { id: number; body: string; url: string; author: string }) {
  return { id: c.id, body: c.body, html_url: c.url, user: { login: c.author, type: "Bot" } };
}

function fromApiAnnotation(a: unknown): CheckAnnotation {
  const x = a as Record<string, unknown>;
  return {
    path: String(x["path"]),
    startLine: Number(x["start_line"]),
    endLine: Number(x["end_line"]),
    ...(x["start_column"] === undefined ? {} : { startColumn: Number(x["start_column"]) }),
    ...(x["end_column"] === undefined ? {} : { endColumn: Number(x["end_column"]) }),
    level: x["annotation_level"] as CheckAnnotation["level"],
    message: String(x["message"]),
    ...(x["title"] === undefined ? {} : { title: String(x["title"]) }),
  };
}
