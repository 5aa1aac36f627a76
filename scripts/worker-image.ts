// The worker image's tag, and whether ECR has it, for the workflow that builds the image only
// when it changed:
//   node scripts/worker-image.ts tag   [--target agent] [--build-arg NAME=VALUE]...
//   node scripts/worker-image.ts check --repository modelfleet-agent --region us-east-1
//                                      [--target agent] [--build-arg NAME=VALUE]... [--json]
// `check` prints `tag=`, `status=build|present` and, when present, `digest=` and `image=` lines
// (ready for $GITHUB_OUTPUT), or JSON with --json. Credentials and endpoints come from the
// standard AWS environment.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { checkImage, createEcrClient } from "../src/cloud/ecr-images.ts";
import { computeImageTag } from "../src/cloud/image-tag.ts";
import { errorMessage, UserError } from "../src/errors.ts";

const USAGE =
  "usage: node scripts/worker-image.ts tag|check [--target agent] [--build-arg NAME=VALUE]... [--repository NAME --region REGION] [--json]";

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: "string", default: "agent" },
      "build-arg": { type: "string", multiple: true, default: [] },
      repository: { type: "string" },
      region: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const command = positionals[0];
  if (command !== "tag" && command !== "check") throw new UserError(USAGE);
  const buildArgs: Record<string, string> = {};
  for (const arg of values["build-arg"]) {
    const at = arg.indexOf("=");
    if (at < 1) throw new UserError(`--build-arg ${arg}: expected NAME=VALUE`);
    buildArgs[arg.slice(0, at)] = arg.slice(at + 1);
  }
  const { tag } = await computeImageTag({
    context: join(import.meta.dirname, ".."),
    dockerfile: "agent-image/Dockerfile",
    target: values.target,
    buildArgs,
  });
  if (command === "tag") {
    process.stdout.write(values.json ? `${JSON.stringify({ tag })}\n` : `${tag}\n`);
  } else {
    if (!values.repository || !values.region)
      throw new UserError(`check needs --repository and --region\n${USAGE}`);
    const result = await checkImage({
      client: createEcrClient({ region: values.region }),
      repository: values.repository,
      region: values.region,
      tag,
    });
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      const lines = [`tag=${tag}`, `status=${result.status}`];
      if (result.status === "present") lines.push(`digest=${result.digest}`, `image=${result.image}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    }
  }
} catch (e) {
  process.stderr.write(`worker-image: ${errorMessage(e)}\n`);
  process.exitCode = e instanceof UserError ? e.exitCode : 1;
}
