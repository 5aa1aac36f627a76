// AWS endpoints that accept a connection and never answer: every client the cloud path builds
// must give up on its own, and an agent polling such a queue must still idle out.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AgentEvent, runAgent } from "../../src/agent/cloud-agent.ts";
import { memoryIO } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import type { InfrastructureOutputs, WorkMessage } from "../../src/cloud/cloud-config.ts";
import { createEcsLauncher } from "../../src/cloud/ecs-launcher.ts";
import { createSqsClient, createSqsQueue } from "../../src/cloud/sqs-queue.ts";
import type { ResultStore } from "../../src/store/result-store.ts";

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** A TCP server on 127.0.0.1 that accepts connections, reads, and never writes a byte. */
async function startSilentServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("data", () => {});
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sets environment variables; returns a function that puts the old values back. */
function setEnv(env: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

const unused = (what: string) => () => {
  throw new Error(`${what} must not be called: no message was received`);
};

let silent: Awaited<ReturnType<typeof startSilentServer>>;
let workRoot: string;
beforeEach(async () => {
  silent = await startSilentServer();
  workRoot = await mkdtemp(join(tmpdir(), "mf-silent-"));
});
afterEach(async () => {
  await silent.close();
  await rm(workRoot, { recursive: true, force: true });
});

describe("a silent AWS endpoint", () => {
  it("an agent long-polling a queue that never answers counts it as empty and idles out", async () => {
    const unanswered: string[] = [];
    const queue = createSqsQueue<WorkMessage>({
      queueUrl: `${silent.endpoint}/000000000000/work`,
      client: createSqsClient({ endpoint: silent.endpoint, region: "us-east-1", credentials: CREDENTIALS }),
      onUnansweredReceive: (reason) => unanswered.push(reason),
    });
    const events: AgentEvent[] = [];
    const store = { publishResult: unused("publishResult") } as unknown as ResultStore;
    const summary = await runAgent({
      queue,
      store,
      objects: {
        getText: unused("getText"),
        getTextIfExists: unused("getTextIfExists"),
        download: unused("download"),
      },
      workRoot,
      idleMs: 1_000,
      worker: "silent-test",
      stop: new AbortController().signal,
      onEvent: (e) => events.push(e),
    });
    expect(summary).toMatchObject({ received: 0, published: 0, stoppedBySignal: false });
    expect(events).toContainEqual({ type: "idle-exit", idleSeconds: 1 });
    expect(queue.stats()).toMatchObject({ unansweredReceives: 1 });
    expect(unanswered).toHaveLength(1);
    expect(unanswered[0]).toMatch(/SQS did not answer ReceiveMessage on .*\/work within \d+ s/);
  }, 40_000);

  it("a worker that never reached its queue exits with an error, so the run counts it as failed", async () => {
    const restore = setEnv({
      MODELFLEET_QUEUE_URL: `${silent.endpoint}/000000000000/work`,
      MODELFLEET_BUCKET: "bucket",
      MODELFLEET_IDLE_SECONDS: "1",
      MODELFLEET_WORK_ROOT: workRoot,
      AWS_ENDPOINT_URL_SQS: silent.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    });
    try {
      const io = memoryIO(workRoot);
      expect(await main(["agent"], io)).toBe(1);
      const err = io.stderr.join("\n");
      expect(err).toContain("counted as an empty receive");
      expect(err).toContain(
        `SQS never answered a receive from ${silent.endpoint}/000000000000/work; exiting with an error`,
      );
    } finally {
      restore();
    }
  }, 40_000);

  it("an ECS call to an endpoint that never answers fails with a timeout instead of hanging", async () => {
    const restore = setEnv({
      AWS_ENDPOINT_URL_ECS: silent.endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    });
    try {
      const infra: InfrastructureOutputs = {
        region: "us-east-1",
        bucket: "b",
        queueUrl: "q",
        deadLetterQueueUrl: "d",
        cluster: "c",
        taskDefinition: "t:1",
        subnets: [],
        securityGroups: [],
        assignPublicIp: false,
        containerName: "agent",
      };
      const launcher = createEcsLauncher({ infra, spot: false, maxAttempts: 1, requestTimeoutMs: 1_000 });
      await expect(launcher.describe(["arn:task/1"])).rejects.toThrow(/ECS failed to answer DescribeTasks/);
    } finally {
      restore();
    }
  }, 20_000);
});
