// Model processes run in their own process groups, so they outlive an engine that is killed
// with SIGKILL. Every model runs with its working directory inside the scenario's work
// folder, and the scenario's run lock guarantees no other engine uses that folder: so any
// process found working there when a run starts was left behind, and its group is ended.
import { readdir, readFile, readlink } from "node:fs/promises";
import { isInside } from "../spec/paths.ts";

/** Kills the process groups of processes working inside `workRoot`; returns how many. */
export async function reapOrphans(workRoot: string): Promise<number> {
  if (process.platform !== "linux") return 0;
  const groups = new Set<number>();
  for (const name of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => "");
    if (cwd === "" || !isInside(workRoot, cwd)) continue;
    const pgid = await processGroup(Number(name));
    if (pgid !== undefined && pgid > 1 && pgid !== process.pid) groups.add(pgid);
  }
  let killed = 0;
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
      killed++;
    } catch {
      // gone already
    }
  }
  return killed;
}

async function processGroup(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  // after "(comm)": state ppid pgrp ...
  const pgrp = Number(stat.slice(close + 2).split(" ")[2]);
  return Number.isInteger(pgrp) ? pgrp : undefined;
}
