// `modelfleet serve`: the read-only results API over a results folder, until Ctrl-C.
import { isIP } from "node:net";
import { resolve } from "node:path";
import { DEFAULT_RESULTS_ROOT } from "../../engine/local-run.ts";
import { UserError } from "../../errors.ts";
import { RESULTS_ENDPOINTS } from "../../serve/app.ts";
import { DEFAULT_HOST, DEFAULT_PORT, startResultsServer } from "../../serve/server.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliIO } from "../io.ts";

const USAGE = `usage: modelfleet serve [--results DIR] [--port N] [--host H]

A read-only HTTP API (JSON) over a results folder, and its HTML reports, until Ctrl-C. It
prints its address: open it in a browser for every run set with links to its reports.

options:
  --results DIR  results folder (default ${DEFAULT_RESULTS_ROOT})
  --port N       port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H       address to listen on (default ${DEFAULT_HOST}, this machine only)

Exit codes: 0 stopped by Ctrl-C (or SIGTERM); 1 cannot listen (port in use, no such address);
2 bad command line.`;

export async function serveCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "serve",
    args,
    {
      results: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
    },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UserError(USAGE, { exitCode: 2 });
  const port = o.port === undefined ? DEFAULT_PORT : Number(o.port);
  if (o.port?.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError(`serve: --port takes a whole number from 0 to 65535`, { exitCode: 2 });
  }
  // [::1] as in URLs; listen() wants the bare address.
  const host = (o.host ?? DEFAULT_HOST).replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new UserError(`serve: --host takes an address such as 127.0.0.1`, { exitCode: 2 });
  const root = resolve(io.cwd, o.results ?? DEFAULT_RESULTS_ROOT);

  // Registered before listening, so a Ctrl-C during startup is not lost.
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((done) => {
    onSignal = done;
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let signal: NodeJS.Signals;
  try {
    const server = await startResultsServer({ root, host, port });
    if (!isLoopback(host)) {
      io.err(
        `warning: listening on ${host}, not only this machine: anyone who can reach it can read ` +
          `these results (there is no authentication). Use --host 127.0.0.1 to keep them local.`,
      );
    }
    io.out(`serving ${root}`);
    io.out(`  ${server.url}/`);
    io.out("");
    const width = Math.max(...RESULTS_ENDPOINTS.map((e) => e.path.length));
    for (const e of RESULTS_ENDPOINTS) io.out(`  GET ${e.path.padEnd(width)}  ${e.description}`);
    io.out("");
    io.out("Ctrl-C to stop.");
    signal = await stopped;
    await server.close();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  io.out(`stopped (${signal})`);
  return 0;
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}
