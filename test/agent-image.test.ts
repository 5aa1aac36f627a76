// The worker image's Dockerfile follows the lint rules (no Docker engine needed).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lintDockerfile } from "../scripts/dockerfile-lint.ts";
import { REPO } from "./helpers/project.ts";

describe("agent-image/Dockerfile", () => {
  it("passes every rule", async () => {
    const text = await readFile(join(REPO, "agent-image", "Dockerfile"), "utf8");
    expect(lintDockerfile(text)).toEqual([]);
  });

  it("pins MODFLOW versions and verifies every download", async () => {
    const text = await readFile(join(REPO, "agent-image", "Dockerfile"), "utf8");
    expect(text).toMatch(/ARG MF6_VERSION=\d+\.\d+\.\d+/);
    expect(text).toMatch(/ARG MFUSG_RELEASE=\S+/);
    expect(text.match(/sha256sum -c/g)?.length).toBe(2);
    expect(text).toContain('ENTRYPOINT ["node", "/opt/modelfleet/bin/modelfleet.js", "agent"]');
    expect(text).toContain("AS agent-wine");
  });

  it("builds PEST++ from a pinned commit of its source, checked after the fetch", async () => {
    const text = await readFile(join(REPO, "agent-image", "Dockerfile"), "utf8");
    expect(text).toMatch(/^ARG PESTPP_COMMIT=[0-9a-f]{40}$/m);
    expect(text).toContain('test "$(git rev-parse HEAD)" = "${PESTPP_COMMIT}"');
    expect(text).toContain("COPY --from=pestpp /opt/pestpp/bin/ /usr/local/bin/");
  });
});

describe("lintDockerfile", () => {
  it("accepts a compliant file", () => {
    const ok = `FROM node:24-slim AS build
RUN npm ci
FROM node:24-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL -o /tmp/x.zip https://example.test/x.zip && echo "abc  /tmp/x.zip" | sha256sum -c -
USER node
ENTRYPOINT ["node", "x.js"]
`;
    expect(lintDockerfile(ok)).toEqual([]);
  });

  it("names each problem with its rule and line", () => {
    const bad = `FROM node
ADD https://example.test/tool.tgz /opt/
RUN apt-get install curl
RUN curl -o /tmp/x https://example.test/x
RUN npm install
ENTRYPOINT node x.js
`;
    const found = lintDockerfile(bad).map((f) => `${f.line} ${f.rule}`);
    expect(found).toEqual([
      "1 DL3006",
      "2 DL3020",
      "3 DL3015",
      "3 DL3014",
      "3 DL3009",
      "4 MF001",
      "5 MF002",
      "6 DL3025",
      "6 DL3002",
    ]);
  });

  it("a final stage running as root is refused", () => {
    const root = `FROM node:24-slim
USER node
FROM node:24-slim AS final
USER root
ENTRYPOINT ["x"]
`;
    expect(lintDockerfile(root)).toEqual([
      { rule: "DL3002", line: 4, message: "the final stage must switch to a non-root USER" },
    ]);
  });
});
