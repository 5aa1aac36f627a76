// An in-memory GitHub for tests: comments, pull requests by commit and check runs, with the
// limits GitHub enforces (comment length, 50 annotations a request). The fake HTTP API in
// test/fake-github/ serves the same state, so the real Octokit client is tested against it.
import {
  ANNOTATIONS_PER_REQUEST,
  type CheckAnnotation,
  type CheckRun,
  type CheckRunInput,
  type GitHubClient,
  type IssueComment,
  MAX_COMMENT_CHARS,
  type PullRequestRef,
  type RepositoryRef,
} from "./client.ts";

export interface StoredCheckRun extends Omit<CheckRunInput, "annotations"> {
  readonly id: number;
  annotations: CheckAnnotation[];
}

/** What GitHub would answer with an HTTP status. */
export class FakeGitHubError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class FakeGitHub implements GitHubClient {
  readonly repository: RepositoryRef;
  readonly comments = new Map<number, { issue: number; body: string; author: string }>();
  readonly checkRuns: StoredCheckRun[] = [];
  readonly pullsByCommit = new Map<string, PullRequestRef[]>();
  /** Every write, in order: "create #7", "update 3", "check validate". */
  readonly writes: string[] = [];
  /** Every comment body written (created or edited), in order. */
  readonly bodies: string[] = [];
  private nextId = 1;

  readonly author: string;

  constructor(repository: RepositoryRef = { owner: "acme", repo: "models" }, author = "github-actions[bot]") {
    this.repository = repository;
    this.author = author;
  }

  /** A comment someone wrote by hand (another author). */
  addComment(issue: number, body: string, author = "someone"): IssueComment {
    const id = this.nextId++;
    this.comments.set(id, { issue, body, author });
    return this.toComment(id);
  }

  deleteComment(id: number): void {
    this.comments.delete(id);
  }

  commentsOn(issue: number): IssueComment[] {
    return [...this.comments.keys()]
      .filter((id) => this.comments.get(id)!.issue === issue)
      .map((id) => this.toComment(id));
  }

  checkRun(name: string): StoredCheckRun | undefined {
    return this.checkRuns.findLast((r) => r.name === name);
  }

  async pullRequestsOfCommit(sha: string): Promise<PullRequestRef[]> {
    return this.pullsByCommit.get(sha) ?? [];
  }

  async listIssueComments(issue: number): Promise<IssueComment[]> {
    return this.commentsOn(issue);
  }

  async createIssueComment(issue: number, body: string): Promise<IssueComment> {
    return this.createIssueCommentNow(issue, body);
  }

  async updateIssueComment(id: number, body: string): Promise<IssueComment | undefined> {
    return this.updateIssueCommentNow(id, body);
  }

  createIssueCommentNow(issue: number, body: string): IssueComment {
    checkBody(body);
    this.writes.push(`create #${issue}`);
    this.bodies.push(body);
    const id = this.nextId++;
    this.comments.set(id, { issue, body, author: this.author });
    return this.toComment(id);
  }

  updateIssueCommentNow(id: number, body: string): IssueComment | undefined {
    checkBody(body);
    this.writes.push(`update ${id}`);
    this.bodies.push(body);
    const c = this.comments.get(id);
    if (!c) return undefined;
    c.body = body;
    return this.toComment(id);
  }

  async createCheckRun(run: CheckRunInput): Promise<CheckRun> {
    const id = this.nextId++;
    this.writes.push(`check ${run.name}`);
    const stored: StoredCheckRun = { ...run, id, annotations: [] };
    this.checkRuns.push(stored);
    this.appendAnnotations(id, run.annotations);
    return { id, url: `https://github.com/${this.repository.owner}/${this.repository.repo}/runs/${id}` };
  }

  /** Adds a batch of annotations to a check run, at most 50 (GitHub's limit per request). */
  appendAnnotations(id: number, annotations: readonly CheckAnnotation[]): void {
    const run = this.checkRuns.find((r) => r.id === id);
    if (!run) throw new FakeGitHubError(404, `no check run ${id}`);
    run.annotations.push(...annotations);
  }

  /** Creates the run with its first batch only, as the REST API does. */
  createCheckRunBatch(run: CheckRunInput): StoredCheckRun {
    if (run.annotations.length > ANNOTATIONS_PER_REQUEST)
      throw new FakeGitHubError(422, `at most ${ANNOTATIONS_PER_REQUEST} annotations per request`);
    const id = this.nextId++;
    this.writes.push(`check ${run.name}`);
    const stored: StoredCheckRun = { ...run, id, annotations: [...run.annotations] };
    this.checkRuns.push(stored);
    return stored;
  }

  private toComment(id: number): IssueComment {
    const c = this.comments.get(id)!;
    return {
      id,
      body: c.body,
      author: c.author,
      url: `https://github.com/${this.repository.owner}/${this.repository.repo}/pull/${c.issue}#issuecomment-${id}`,
    };
  }
}

function checkBody(body: string): void {
  if (body.length > MAX_COMMENT_CHARS)
    throw new FakeGitHubError(422, `body is too long (maximum is ${MAX_COMMENT_CHARS} characters)`);
}
