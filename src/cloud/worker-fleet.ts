// The workers of one region as an ECS service: the port the cloud run, `watch`, `status` and
// `stop` use (ECS in production: ecs-fleet.ts; the fake cloud in tests). AWS keeps the service
// at its desired count, replaces lost tasks and starts them again after Spot interruptions;
// the run only sets the count and reads back how the service is doing.
import type { WorkerControl } from "./launcher.ts";
import type { WorkerTask } from "./run-set-status.ts";
import type { StoppedWorker } from "./worker-deaths.ts";

/** One of the service's recent events (ECS: "(service x) was unable to place a task..."). */
export interface FleetEvent {
  /** ms since the epoch */
  readonly at: number;
  readonly message: string;
}

export interface FleetState {
  readonly region: string;
  readonly service: string;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  /** The newest first. */
  readonly events: readonly FleetEvent[];
  /** Tasks of the service that stopped recently (ECS shows them for about an hour), the
   * newest first, each with why. */
  readonly stopped: readonly StoppedWorker[];
  /** The service's tasks ECS lists now, running and recently stopped, each with what Fargate
   * bills it for (its size, its capacity, from its image pull to its stop). */
  readonly tasks: readonly WorkerTask[];
}

export interface WorkerFleet extends WorkerControl {
  readonly region: string;
  readonly service: string;
  /** Sets the service's desired count. Scaling in stops only tasks without scale-in
   * protection: a worker running a realisation holds it. */
  scaleTo(count: number): Promise<void>;
  state(): Promise<FleetState>;
}

/** Every region's workers as one: list, describe and stop tasks wherever they run. */
export function allFleets(fleets: readonly WorkerFleet[]): WorkerControl {
  const home = new Map<string, WorkerFleet>();
  const fleetOf = (id: string) =>
    home.get(id) ?? fleets.find((f) => id.startsWith(`arn:aws:ecs:${f.region}:`)) ?? fleets[0]!;
  const byFleet = (ids: readonly string[]) => {
    const groups = new Map<WorkerFleet, string[]>();
    for (const id of ids) groups.set(fleetOf(id), [...(groups.get(fleetOf(id)) ?? []), id]);
    return [...groups];
  };
  return {
    async list() {
      const lists = await Promise.all(
        fleets.map(async (f) => {
          const ids = await f.list();
          for (const id of ids) home.set(id, f);
          return ids;
        }),
      );
      return lists.flat();
    },
    async describe(ids) {
      const states = await Promise.all(byFleet(ids).map(([f, group]) => f.describe(group)));
      return states.flat();
    },
    async stop(ids, reason) {
      const outcomes = await Promise.all(byFleet(ids).map(([f, group]) => f.stop(group, reason)));
      return {
        told: outcomes.flatMap((o) => o.told),
        failures: outcomes.flatMap((o) => o.failures),
      };
    },
  };
}
