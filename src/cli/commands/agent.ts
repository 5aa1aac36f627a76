// `modelfleet agent`: the worker's entry point in the container. Reads its queue and bucket
// from the environment, runs realisations until the queue stays empty, and on SIGTERM kills
// the model, returns its message to the queue and exits (within 30 s).
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { runAgent } from "../../agent/cloud-agent.ts";
import { agentPiecesFromEnvironment } from "../../cloud/aws-wiring.ts";
import { AGENT_ENV } from "../../cloud/cloud-config.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliIO } from "../io.ts";
import { isPestppTask, pestppTaskCommand } from "./pestpp-task.ts";

const USAGE = `usage: modelfleet agent

Environment: ${AGENT_ENV.queueUrl}, ${AGENT_ENV.bucket}, ${AGENT_ENV.prefix} (optional),
${AGENT_ENV.idleSeconds} (default 120), ${AGENT_ENV.workRoot} (default the temp folder),
${AGENT_ENV.homeRegion} (the queue's and bucket's region, when not the worker's own), and the
standard AWS variables (AWS_REGION, credentials, AWS_ENDPOINT_URL...).
Under an ECS service: ${AGENT_ENV.service}, ${AGENT_ENV.cluster} and ${AGENT_ENV.serviceRegion}
(the task definition sets them): the worker protects itself from scale-in while it runs a
realisation (through ECS_AGENT_URI), and sets its service to zero once the queue stays empty.
With MODELFLEET_PESTPP_ROLE (manager or agent): one task of \`calibrate --engine pestpp-ies
--executor ecs\`, running pestpp-ies instead of the queue loop.

Exit codes: 0 the queue stayed empty (or the service was set to zero); 1 a setting is missing,
or SQS never answered (so the run counts this worker as lost); 143 stopped by SIGTERM (its
realisation went back on the queue).`;

/** After SIGTERM, the agent exits by this time whatever it is doing. */
const SIGTERM_DEADLINE_MS = 25_000;

export async function agentCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("agent", args, {}, USAGE);
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (isPestppTask(process.env)) return pestppTaskCommand(io);
  const worker = process.env.ECS_CONTAINER_METADATA_URI_V4
    ? `ecs-${hostname()}`
    : `${hostname()}-${process.pid}`;
  const pieces = agentPiecesFromEnvironment(process.env, {
    onUnansweredReceive: (reason) => io.err(`${worker}: ${reason}`),
  });
  const stop = new AbortController();
  const onTerm = (signal: string) => {
    io.err(`agent ${worker}: ${signal}: stopping; the running realisation goes back on the queue`);
    stop.abort();
    setTimeout(() => process.exit(143), SIGTERM_DEADLINE_MS).unref();
  };
  process.once("SIGTERM", () => onTerm("SIGTERM"));
  process.once("SIGINT", () => onTerm("SIGINT"));
  const summary = await runAgent({
    ...pieces,
    workRoot: process.env[AGENT_ENV.workRoot] ?? join(tmpdir(), `modelfleet-agent-${process.pid}`),
    worker,
    stop: stop.signal,
    onEvent: (e) => {
      if (e.type === "published")
        io.out(
          `${worker}: ${e.id} ${e.status}${e.duplicate ? " (already published by another worker)" : ""}`,
        );
      else if (e.type === "released") io.out(`${worker}: ${e.id} back on the queue: ${e.why}`);
      else if (e.type === "dropped") io.out(`${worker}: ${e.id} removed from the queue, not run: ${e.why}`);
      else if (e.type === "idle-exit")
        io.out(`${worker}: queue empty for ${e.idleSeconds}s${e.why ? ` (${e.why})` : ""}; exiting`);
      else if (e.type === "scaled-to-zero")
        io.out(`${worker}: queue empty for ${e.idleSeconds}s; set ${e.service} to 0 workers; exiting`);
      else if (e.type === "idle-waiting") io.out(`${worker}: idle, not exiting: ${e.why}`);
      else if (e.type === "protection-failed") io.err(`${worker}: scale-in protection: ${e.message}`);
    },
  });
  io.out(
    `${worker}: received ${summary.received}, published ${summary.published}${summary.alreadyPublished ? ` (and ${summary.alreadyPublished} duplicate${summary.alreadyPublished === 1 ? "" : "s"} another worker published first)` : ""}, returned ${summary.released}${summary.dropped ? `, removed ${summary.dropped} not to run` : ""}`,
  );
  if (summary.stoppedBySignal) return 143;
  const receives = pieces.queue.stats();
  if (receives.receiveMessage > 0 && receives.unansweredReceives === receives.receiveMessage) {
    // Not an idle worker: one that never reached its queue. Failing makes the run count it.
    io.err(`${worker}: SQS never answered a receive from ${pieces.queue.queueUrl}; exiting with an error`);
    return 1;
  }
  return 0;
}
