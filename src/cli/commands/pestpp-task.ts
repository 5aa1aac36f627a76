// `modelfleet agent` as one task of a PEST++ calibration on ECS (MODELFLEET_PESTPP_ROLE set):
// the manager or an agent, reading the calibration's workspace from the results bucket.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PESTPP_ENV, pestppTaskSettings, runPestppTask } from "../../calibrate/pestpp/pestpp-task.ts";
import { AGENT_ENV } from "../../cloud/cloud-config.ts";
import { UserError } from "../../errors.ts";
import { createS3Client, createS3ResultStore } from "../../store/s3-store.ts";
import type { CliIO } from "../io.ts";

export function isPestppTask(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env[PESTPP_ENV.role]);
}

export async function pestppTaskCommand(io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = pestppTaskSettings(env);
  const bucket = env[AGENT_ENV.bucket];
  if (!bucket) throw new UserError(`a PEST++ ${settings.role} task needs ${AGENT_ENV.bucket}`);
  const home = env[AGENT_ENV.homeRegion] || undefined;
  const store = createS3ResultStore({
    bucket,
    ...(env[AGENT_ENV.prefix] ? { prefix: env[AGENT_ENV.prefix] } : {}),
    ...(home ? { client: createS3Client({ region: home }) } : {}),
  });
  const stop = new AbortController();
  const onTerm = (signal: string) => {
    io.err(`pestpp-ies ${settings.role}: ${signal}: stopping`);
    stop.abort();
  };
  process.once("SIGTERM", () => onTerm("SIGTERM"));
  process.once("SIGINT", () => onTerm("SIGINT"));
  const code = await runPestppTask({
    settings,
    store,
    workRoot: env[AGENT_ENV.workRoot] ?? join(tmpdir(), `modelfleet-pestpp-${process.pid}`),
    stop: stop.signal,
    log: (line) => io.out(`pestpp-ies ${settings.role}: ${line}`),
  });
  io.out(`pestpp-ies ${settings.role}: ended with exit code ${code}`);
  return code;
}
