// Creates the Terraform state bucket named in cdktf/config.yaml (once per account, before the
// first apply), with the credentials of the environment:
//   node scripts/bootstrap-state.ts            do it (AWS SDK)
//   node scripts/bootstrap-state.ts --print    print the same steps as aws CLI commands
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bootstrapStateBucket, refuseExampleValues, stateBucketSteps } from "../cdktf/src/bootstrap-state.ts";
import { readInfraConfig } from "../cdktf/src/config.ts";
import { errorMessage } from "../src/errors.ts";
import { createS3Client } from "../src/store/s3-store.ts";

try {
  const { values } = parseArgs({
    options: {
      print: { type: "boolean", default: false },
      config: { type: "string", default: join(import.meta.dirname, "..", "cdktf", "config.yaml") },
    },
  });
  const config = await readInfraConfig(values.config);
  refuseExampleValues(config, values.config);
  if (values.print) {
    for (const step of stateBucketSteps(config)) process.stdout.write(`# ${step.does}\n${step.cli}\n`);
  } else {
    const client = createS3Client({ region: config.state.region });
    await bootstrapStateBucket(client, config, (line) => process.stdout.write(`${line}\n`));
  }
} catch (e) {
  process.stderr.write(`bootstrap-state: ${errorMessage(e)}\n`);
  process.exitCode = 1;
}
