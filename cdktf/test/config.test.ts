import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleValues, parseInfraConfig } from "../src/config.ts";

describe("the account settings (cdktf/config.yaml)", () => {
  it("parse, with defaults filled in", () => {
    const config = parseInfraConfig(
      "github: { repository: acme/models }\nstate: { bucket: acme-state, region: eu-west-1 }\nfoundation_region: eu-west-1\n",
      "c.yaml",
    );
    expect(config.github).toEqual({
      repository: "acme/models",
      branch: "main",
      close_environment: "close-project",
      create_oidc_provider: true,
    });
    expect(exampleValues(config)).toEqual([]);
  });

  it("report mistakes at their line, with the key", () => {
    const text =
      "github:\n  repository: models\nstate: { bucket: acme-state, region: eu-west-9 }\nfoundation_region: eu-west-1\n";
    expect(() => parseInfraConfig(text, "c.yaml")).toThrow(
      [
        'c.yaml:2:15: `github.repository`: expected owner/name, as in github.com/owner/name, got "models"',
        "c.yaml:3:38: `state.region`: expected an AWS region such as us-east-1",
      ].join("\n"),
    );
  });

  it("ship with example values that the synth points out", async () => {
    const text = await readFile(join(import.meta.dirname, "..", "config.yaml"), "utf8");
    expect(exampleValues(parseInfraConfig(text, "config.yaml"))).toEqual([
      "github.repository",
      "state.bucket",
    ]);
  });
});
