// A few hadolint-style rules for agent-image/Dockerfile, as a pure function (no Docker engine
// is needed to check them). Run: node scripts/dockerfile-lint.ts [Dockerfile]

export interface LintFinding {
  readonly rule: string;
  readonly line: number;
  readonly message: string;
}

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Joins continuation lines and drops comments. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      if (/^\s*#/.test(next)) continue;
      line = `${line.slice(0, -1)} ${next.trim()}`;
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: start + 1 });
  }
  return out;
}

export function lintDockerfile(text: string): LintFinding[] {
  const findings: LintFinding[] = [];
  const add = (rule: string, line: number, message: string) => findings.push({ rule, line, message });
  const all = instructions(text);
  const args = new Map<string, string>();
  let lastUser: Instruction | undefined;
  let stageStarts = 0;
  for (const ins of all) {
    if (ins.keyword === "ARG") {
      const [name, value] = ins.args.split("=", 2);
      if (value !== undefined) args.set(name!.trim(), value.trim());
    }
    if (ins.keyword === "FROM") {
      stageStarts++;
      lastUser = undefined;
      const image = ins.args
        .split(/\s+/)[0]!
        .replace(/^\$\{(\w+)\}$/, (_, n: string) => args.get(n) ?? `\${${n}}`);
      const isStage = all.some(
        (o) =>
          o.keyword === "FROM" && o.line < ins.line && new RegExp(`\\bAS\\s+${image}$`, "i").test(o.args),
      );
      if (!isStage && (!image.includes(":") || image.endsWith(":latest"))) {
        add("DL3006", ins.line, `pin the base image ${image} to a version tag`);
      }
    }
    if (ins.keyword === "USER") lastUser = ins;
    if (ins.keyword === "ADD" && /https?:\/\//.test(ins.args)) {
      add("DL3020", ins.line, "download with curl and verify a checksum instead of ADD <url>");
    }
    if (ins.keyword === "RUN") {
      if (/apt-get install/.test(ins.args)) {
        if (!/--no-install-recommends/.test(ins.args))
          add("DL3015", ins.line, "apt-get install without --no-install-recommends");
        if (!/-y\b|--yes\b|--assume-yes\b/.test(ins.args))
          add("DL3014", ins.line, "apt-get install without -y");
        if (!/rm -rf \/var\/lib\/apt\/lists/.test(ins.args))
          add("DL3009", ins.line, "remove /var/lib/apt/lists after apt-get install");
      }
      if (
        /\b(curl|wget)\b/.test(ins.args) &&
        /https?:\/\//.test(ins.args) &&
        !/sha256sum -c/.test(ins.args)
      ) {
        add("MF001", ins.line, "every download must be checked with sha256sum -c in the same RUN");
      }
      if (/\bnpm install\b/.test(ins.args))
        add("MF002", ins.line, "use npm ci (the lock file) in images, not npm install");
      if (/\bsudo\b/.test(ins.args)) add("DL3004", ins.line, "do not use sudo");
    }
    if (ins.keyword === "ENTRYPOINT" && !ins.args.trim().startsWith("[")) {
      add("DL3025", ins.line, "use the exec (JSON) form of ENTRYPOINT so signals reach the process");
    }
  }
  if (stageStarts === 0) add("DL3000", 1, "no FROM");
  const finalUser = lastUser?.args.trim();
  if (!finalUser || finalUser === "root" || finalUser === "0") {
    add("DL3002", lastUser?.line ?? all.length, "the final stage must switch to a non-root USER");
  }
  return findings;
}

if (import.meta.main) {
  const { readFileSync } = await import("node:fs");
  const file = process.argv[2] ?? "agent-image/Dockerfile";
  const findings = lintDockerfile(readFileSync(file, "utf8"));
  for (const f of findings) process.stdout.write(`${file}:${f.line}: ${f.rule} ${f.message}\n`);
  process.stdout.write(findings.length === 0 ? `${file}: no findings\n` : "");
  process.exitCode = findings.length === 0 ? 0 : 1;
}
