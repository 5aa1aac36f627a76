import { describe, expect, it } from "vitest";
import { FakeGitHub } from "../github/fake-github.ts";
import { postCloseReport } from "./close-comment.ts";
import { commentMarker } from "./close-report.ts";

describe("the close's comment", () => {
  it("is one comment per project, edited in place when the close runs again", async () => {
    const github = new FakeGitHub();
    const first = await postCloseReport({
      client: github,
      issue: 7,
      project: "acme",
      body: `${commentMarker("acme")}\nfirst`,
    });
    const again = await postCloseReport({
      client: github,
      issue: 7,
      project: "acme",
      body: `${commentMarker("acme")}\nagain`,
    });
    expect([first.action, again.action]).toEqual(["created", "updated"]);
    expect([...github.comments.values()].map((c) => [c.issue, c.body])).toEqual([
      [7, `${commentMarker("acme")}\nagain`],
    ]);
  });

  it("fits GitHub's limit, saying where the whole report is", async () => {
    const github = new FakeGitHub();
    await postCloseReport({
      client: github,
      issue: 7,
      project: "acme",
      body: `${commentMarker("acme")}\n${"x".repeat(70_000)}`,
    });
    const body = [...github.comments.values()][0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(
      /… \(cut to fit a comment: the whole report is in the workflow run's summary and artifact\)$/,
    );
  });
});
