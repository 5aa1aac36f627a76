// The results API on a socket: the Hono app of app.ts behind node:http, on loopback unless
// told otherwise.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener, RequestError } from "@hono/node-server";
import { errorMessage, UserError } from "../errors.ts";
import { createResultsApp } from "./app.ts";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8787;

export interface ResultsServerOptions {
  readonly root: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8787; 0 picks a free port. */
  readonly port?: number;
}

export interface ResultsServer {
  /** http://host:port, with the port actually bound. */
  readonly url: string;
  /** Stops listening and ends open connections (keep-alive ones included). */
  close(): Promise<void>;
}

export async function startResultsServer(options: ResultsServerOptions): Promise<ResultsServer> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const loopback = host === "127.0.0.1" || host === "localhost" || host === "::1";
  const app = createResultsApp({ root: options.root, loopbackOnly: loopback });
  const listener = getRequestListener(app.fetch, {
    hostname: host,
    // Requests the adapter refuses before the app sees them (a backslash in the path, a bad
    // Host header) would otherwise get an empty 400; every error here is JSON.
    errorHandler: (e) =>
      e instanceof RequestError
        ? Response.json({ error: `malformed request: ${errorMessage(e)}` }, { status: 400 })
        : Response.json({ error: `internal error: ${errorMessage(e)}` }, { status: 500 }),
  });
  const server = createServer(listener);
  await listen(server, host, port);
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (e.code === "EADDRINUSE") {
        reject(
          new UserError(`port ${port} on ${host} is in use; pass another with --port (0 picks a free one)`),
        );
      } else if (e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND") {
        reject(new UserError(`cannot listen on ${host}: no such address on this machine`));
      } else if (e.code === "EACCES") {
        reject(new UserError(`not allowed to listen on ${host}:${port}; ports below 1024 need privileges`));
      } else {
        reject(e);
      }
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
