// The GitHub client port: the few REST calls the workflows make (the pull request of a commit,
// a pull request's comments, check runs with annotations), behind an interface so the flows
// are tested against a fake. octokit-client.ts is the real one; fake-github.ts the fake.

export interface RepositoryRef {
  readonly owner: string;
  readonly repo: string;
}

export interface IssueComment {
  readonly id: number;
  readonly body: string;
  readonly url: string;
  /** Login of the author ("github-actions[bot]" for the workflow token). */
  readonly author: string;
}

export interface PullRequestRef {
  readonly number: number;
  readonly url: string;
  readonly state: "open" | "closed";
  readonly merged: boolean;
  /** The commit GitHub made when it merged the pull request, if it did. */
  readonly mergeCommitSha: string | null;
}

export type AnnotationLevel = "notice" | "warning" | "failure";

export interface CheckAnnotation {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  /** Only when the annotation is on one line (GitHub's rule). */
  readonly startColumn?: number;
  readonly endColumn?: number;
  readonly level: AnnotationLevel;
  readonly title?: string;
  readonly message: string;
}

export interface CheckRunInput {
  readonly name: string;
  readonly headSha: string;
  readonly conclusion: "success" | "failure" | "neutral";
  readonly title: string;
  /** Markdown, at most 65,535 characters. */
  readonly summary: string;
  /** Any number: the client sends them 50 at a time, as GitHub asks. */
  readonly annotations: readonly CheckAnnotation[];
}

export interface CheckRun {
  readonly id: number;
  readonly url: string;
}

export interface GitHubClient {
  readonly repository: RepositoryRef;
  /** Pull requests that contain the commit (or were merged as it), newest first. */
  pullRequestsOfCommit(sha: string): Promise<PullRequestRef[]>;
  /** Every comment of an issue or pull request, oldest first. */
  listIssueComments(issue: number): Promise<IssueComment[]>;
  createIssueComment(issue: number, body: string): Promise<IssueComment>;
  /** The edited comment, or undefined when it no longer exists (deleted by hand). */
  updateIssueComment(commentId: number, body: string): Promise<IssueComment | undefined>;
  createCheckRun(run: CheckRunInput): Promise<CheckRun>;
}

/** GitHub refuses comment bodies over this many characters. */
export const MAX_COMMENT_CHARS = 65_536;
/** GitHub accepts at most this many annotations per check run request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** A check run's summary holds at most this many characters. */
export const MAX_CHECK_SUMMARY_CHARS = 65_535;
