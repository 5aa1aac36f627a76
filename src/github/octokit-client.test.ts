import { beforeEach, describe, expect, it } from "vitest";
import { FakeGitHubApi, SECONDARY_RATE_LIMIT } from "../../test/fake-github/fake-github-api.ts";
import type { CheckAnnotation } from "./client.ts";
import { upsertComment } from "./comment-upsert.ts";
import { FakeGitHub } from "./fake-github.ts";
import { createOctokitClient } from "./octokit-client.ts";
import { findPullRequest } from "./pull-request.ts";

let api: FakeGitHubApi;
let logs: string[];
const client = () =>
  createOctokitClient({
    token: "t0ken",
    repository: { owner: "acme", repo: "models" },
    baseUrl: "https://api.github.test",
    fetch: api.fetch,
    retryAfterUnitMs: 1,
    writeIntervalMs: 0,
    log: (l) => logs.push(l),
  });

beforeEach(() => {
  api = new FakeGitHubApi(new FakeGitHub({ owner: "acme", repo: "models" }));
  logs = [];
});

const marker = "<!-- modelfleet:demo/base -->";

describe("the Octokit client against a fake GitHub API", () => {
  it("creates one comment, then edits it in place", async () => {
    const first = await upsertComment({ client: client(), issue: 7, marker, body: `${marker}\nplan` });
    const second = await upsertComment({ client: client(), issue: 7, marker, body: `${marker}\nprogress` });
    expect(first.action).toBe("created");
    expect(second).toMatchObject({ action: "updated", comment: { id: first.comment.id } });
    expect(api.github.commentsOn(7).map((c) => c.body)).toEqual([`${marker}\nprogress`]);
    expect(api.requests).toEqual([
      "GET /repos/acme/models/issues/7/comments",
      "POST /repos/acme/models/issues/7/comments",
      "GET /repos/acme/models/issues/7/comments",
      `PATCH /repos/acme/models/issues/comments/${first.comment.id}`,
    ]);
  });

  it("finds its comment on any page of a long conversation, and leaves quotes of it alone", async () => {
    for (let i = 0; i < 130; i++) api.github.addComment(7, `> ${marker}\nreply ${i}`);
    const ours = api.github.addComment(7, `${marker}\nplan`, "github-actions[bot]");
    const result = await upsertComment({ client: client(), issue: 7, marker, body: `${marker}\nreport` });
    expect(result).toMatchObject({ action: "updated", comment: { id: ours.id } });
    expect(api.requests.filter((r) => r.startsWith("GET")).length).toBe(2);
  });

  it("creates the comment again when it was deleted by hand", async () => {
    const first = await upsertComment({ client: client(), issue: 7, marker, body: `${marker}\nplan` });
    api.github.deleteComment(first.comment.id);
    // The id remembered from the first edit is gone (404): searched, not found, created.
    const again = await upsertComment({
      client: client(),
      issue: 7,
      marker,
      body: `${marker}\nreport`,
      knownId: first.comment.id,
    });
    expect(again.action).toBe("created");
    expect(api.github.commentsOn(7).map((c) => c.body)).toEqual([`${marker}\nreport`]);
  });

  it("waits out a secondary rate limit and carries on", async () => {
    api.failNext(/^POST .*\/comments$/, SECONDARY_RATE_LIMIT);
    const result = await upsertComment({ client: client(), issue: 7, marker, body: `${marker}\nplan` });
    expect(result.action).toBe("created");
    expect(api.requests.filter((r) => r.startsWith("POST"))).toHaveLength(2);
    expect(logs.join("\n")).toMatch(/secondary rate limit on POST .*: waiting 1 s \(retry 1 of 3\)/);
  });

  it("retries a server error", async () => {
    api.failNext(/^GET /, { status: 502, message: "Bad Gateway" });
    expect(await client().listIssueComments(7)).toEqual([]);
    expect(api.requests).toHaveLength(2);
  });

  it("says which permission a refused write needs", async () => {
    api.failNext(/^POST /, { status: 403, message: "Resource not accessible by integration" });
    await expect(client().createIssueComment(7, "x")).rejects.toThrow(
      "could not comment on #7 (403 Resource not accessible by integration",
    );
    api.failNext(/^POST /, { status: 403, message: "Resource not accessible by integration" });
    await expect(client().createIssueComment(7, "x")).rejects.toThrow(
      /the job needs `permissions: pull-requests: write`, and a pull request from a fork gets a read-only token/,
    );
  });

  it("finds the pull request that was merged as a commit", async () => {
    api.github.pullsByCommit.set("abc123", [
      { number: 3, url: "u3", state: "closed", merged: true, mergeCommitSha: "fff" },
      { number: 9, url: "u9", state: "closed", merged: true, mergeCommitSha: "abc123" },
    ]);
    expect((await findPullRequest(client(), "abc123"))?.number).toBe(9);
    expect(await findPullRequest(client(), "0000")).toBeUndefined();
  });

  it("sends any number of annotations, 50 a request", async () => {
    const annotations: CheckAnnotation[] = Array.from({ length: 120 }, (_, i) => ({
      path: "projects/demo/base.yaml",
      startLine: i + 1,
      endLine: i + 1,
      startColumn: 3,
      endColumn: 3,
      level: "failure",
      message: `problem ${i}`,
    }));
    const run = await client().createCheckRun({
      name: "modelfleet validate",
      headSha: "abc",
      conclusion: "failure",
      title: "120 problems",
      summary: "…",
      annotations,
    });
    expect(api.requests.filter((r) => r.includes("check-runs"))).toEqual([
      "POST /repos/acme/models/check-runs",
      `PATCH /repos/acme/models/check-runs/${run.id}`,
      `PATCH /repos/acme/models/check-runs/${run.id}`,
    ]);
    expect(api.github.checkRun("modelfleet validate")?.annotations.map((a) => a.message)).toEqual(
      annotations.map((a) => a.message),
    );
  });
});
