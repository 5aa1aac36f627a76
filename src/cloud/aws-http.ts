// Timeouts of the HTTP handler under every SQS and ECS client modelfleet builds (the S3
// client sets its own, for large uploads). The SDK waits forever by default, and its
// `requestTimeout` alone only logs a warning: `throwOnRequestTimeout` makes it an error, which
// the callers treat as a failed (or, for a receive, an empty) call.

/** Time allowed to open a connection. */
export const CONNECTION_TIMEOUT_MS = 5_000;
/** Time allowed for an answer: longer than SQS's longest long poll (20 s) and its latency. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface AwsTimeouts {
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

/** The `requestHandler` options of an AWS SDK client. */
export function awsRequestHandler(timeouts: AwsTimeouts = {}) {
  return {
    connectionTimeout: timeouts.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS,
    requestTimeout: timeouts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  };
}

/** A failure that says the endpoint did not answer (in time, or at all): worth trying again. */
export function isUnansweredError(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  if (name === "TimeoutError" || name === "AbortError" || name === "RequestTimeout") return true;
  return (
    typeof code === "string" &&
    /^(ETIMEDOUT|ECONNRESET|ECONNREFUSED|EPIPE|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNABORTED)$/.test(
      code,
    )
  );
}
