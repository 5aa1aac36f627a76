// Model processes run in their own process groups, so they outlive an engine killed with
// SIGKILL. The engine writes down every model it starts (pid and start time) in a journal in
// the scenario's work folder, and the next run ends exactly those that are still running:
// a process is the one recorded only if its pid and its start time (in clock ticks since
// boot) both match, so a pid reused by anything else, a user's shell opened in a kept work
// folder, or the run itself is never touched. The scenario's work-folder lock means no
// other engine is writing the journal meanwhile.
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export const MODEL_JOURNAL_FILE = ".modelfleet-models";

export interface ModelJournal {
  /** Writes down a model just started; cheap and synchronous, so a kill right after it
   * cannot lose the entry. */
  record(pid: number): void;
  close(): void;
}

const IS_LINUX = process.platform === "linux";

/** Starts a new journal for this run (after `reapRecordedModels` read the last one). */
export function openModelJournal(workRoot: string): ModelJournal {
  if (!IS_LINUX) return { record() {}, close() {} };
  const fd = openSync(join(workRoot, MODEL_JOURNAL_FILE), "w");
  writeSync(fd, `boot ${bootId()}\n`);
  let open = true;
  return {
    record(pid) {
      if (!open) return;
      const start = startTimeOf(pid);
      if (start !== undefined) writeSync(fd, `${pid} ${start}\n`);
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** Ends the process groups of the last run's models that are still running; returns how
 * many groups were ended. */
export async function reapRecordedModels(workRoot: string): Promise<number> {
  if (!IS_LINUX) return 0;
  const text = await readFile(join(workRoot, MODEL_JOURNAL_FILE), "utf8").catch(() => "");
  const [header, ...lines] = text.split("\n");
  // After a reboot every recorded process is gone, and pids and start times start over.
  if (header !== `boot ${bootId()}`) return 0;
  let ended = 0;
  for (const line of lines) {
    const [pidText, start] = line.split(" ");
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    if (start === undefined || startTimeOf(pid) !== start) continue;
    let hit = false;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGKILL");
        hit = true;
      } catch {
        // not a group leader yet, or gone
      }
    }
    if (hit) ended++;
  }
  return ended;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in ticks since boot. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // A zombie has ended already: nothing to reap.
    if (fields[0] === "Z") return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

function bootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "unknown";
  }
}
