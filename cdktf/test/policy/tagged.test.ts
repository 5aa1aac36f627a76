import { describe, expect, it } from "vitest";
import { tagged } from "../../src/policy/rules/tagged.ts";
import { RULE_CONTEXT } from "../helpers.ts";
import { stackOf } from "./fixtures.ts";

const projectTags = { "managed-by": "modelfleet", project: "acme", client: "Acme Water" };

describe("tagged", () => {
  it("passes a project stack whose default tags carry project and whose scenario resources carry scenario", () => {
    const json = stackOf(
      {
        aws_ecs_cluster: { c: { name: "c" } },
        aws_sqs_queue: { q: { name: "q", tags: { scenario: "base" } } },
        aws_s3_bucket_versioning: { v: { bucket: "b" } },
      },
      projectTags,
    );
    expect(tagged.check(json, RULE_CONTEXT)).toEqual([]);
  });

  it("finds missing default tags, overridden tags, scenario resources without scenario, unknown types", () => {
    const json = stackOf(
      {
        aws_ecs_cluster: { c: { name: "c", tags: { client: "Someone Else" } } },
        aws_sqs_queue: { q: { name: "q" } },
        aws_kinesis_stream: { k: { name: "k" } },
      },
      { "managed-by": "modelfleet", client: "Acme Water" },
    );
    expect(tagged.check(json, RULE_CONTEXT).map((f) => `${f.address}: ${f.message}`)).toEqual([
      "provider.aws: default_tags has no `project`",
      'aws_ecs_cluster.c: tag `client` is "Someone Else", not the default "Acme Water"',
      "aws_sqs_queue.q: has no `scenario` tag",
      "aws_kinesis_stream.k: aws_kinesis_stream is not known to be taggable or not; add it to one list in this rule",
    ]);
  });

  it("asks only managed-by of the foundation", () => {
    expect(tagged.check(stackOf({ aws_ecr_repository: { r: { name: "r" } } }), RULE_CONTEXT)).toEqual([]);
    expect(
      tagged.check(stackOf({ aws_ecr_repository: { r: { name: "r" } } }, {}), RULE_CONTEXT),
    ).toHaveLength(1);
  });
});
