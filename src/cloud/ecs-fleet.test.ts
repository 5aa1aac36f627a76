import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  ListTasksCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createEcsFleet } from "./ecs-fleet.ts";

const ecs = mockClient(ECSClient);
beforeEach(() => ecs.reset());

const fleet = () =>
  createEcsFleet({
    region: "us-west-2",
    cluster: "modelfleet-demo",
    service: "base-workers",
    containerName: "agent",
    client: new ECSClient({ region: "us-west-2" }),
  });

describe("an ECS service as a worker fleet", () => {
  it("sets the desired count with UpdateService on its own service only", async () => {
    ecs.on(UpdateServiceCommand).resolves({});
    await fleet().scaleTo(4);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: "modelfleet-demo", service: "base-workers", desiredCount: 4 },
    ]);
    await expect(fleet().scaleTo(-1)).rejects.toThrow("a desired count is a whole number >= 0, got -1");
  });

  it("reads counts, the newest events and the recently stopped tasks with why they stopped", async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: "base-workers",
          status: "ACTIVE",
          desiredCount: 3,
          runningCount: 1,
          pendingCount: 2,
          events: [
            { createdAt: new Date(2000), message: "(service base-workers) has reached a steady state." },
            {
              createdAt: new Date(3000),
              message:
                "(service base-workers) was unable to place a task. Reason: Capacity is unavailable at this time.",
            },
          ],
        },
      ],
    });
    ecs
      .on(ListTasksCommand, { desiredStatus: "STOPPED" })
      .resolves({ taskArns: ["arn:t/1", "arn:t/2"] })
      .on(ListTasksCommand, { desiredStatus: "RUNNING" })
      .resolves({ taskArns: [] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: "arn:t/1",
          lastStatus: "STOPPED",
          stopCode: "EssentialContainerExited",
          stoppedReason: "Essential container in task exited",
          stoppedAt: new Date(5000),
          containers: [{ name: "agent", exitCode: 1 }],
        },
        {
          taskArn: "arn:t/2",
          lastStatus: "STOPPED",
          stopCode: "ServiceSchedulerInitiated",
          stoppedReason: "Scaling activity initiated by (deployment ecs-svc/1)",
          stoppedAt: new Date(6000),
          containers: [{ name: "agent", exitCode: 143 }],
        },
      ],
    });
    const state = await fleet().state();
    expect(state).toEqual({
      region: "us-west-2",
      service: "base-workers",
      desired: 3,
      running: 1,
      pending: 2,
      events: [
        {
          at: 3000,
          message:
            "(service base-workers) was unable to place a task. Reason: Capacity is unavailable at this time.",
        },
        { at: 2000, message: "(service base-workers) has reached a steady state." },
      ],
      stopped: [
        {
          id: "arn:t/2",
          status: "stopped",
          end: "stopped",
          reason: "Scaling activity initiated by (deployment ecs-svc/1)",
          exitCode: 143,
          stoppedAt: 6000,
        },
        {
          id: "arn:t/1",
          status: "stopped",
          end: "failed",
          reason: "Essential container in task exited",
          exitCode: 1,
          stoppedAt: 5000,
        },
      ],
      // ECS gave neither their size nor their times: nothing to bill.
      tasks: [],
    });
    expect(ecs.commandCalls(DescribeServicesCommand)[0]!.args[0].input).toEqual({
      cluster: "modelfleet-demo",
      services: ["base-workers"],
    });
    expect(ecs.commandCalls(ListTasksCommand)[1]!.args[0].input).toEqual({
      cluster: "modelfleet-demo",
      serviceName: "base-workers",
      desiredStatus: "STOPPED",
      maxResults: 100,
    });
  });

  it("reads each task's size, capacity and billed time (image pull to stop), running and stopped", async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [{ serviceName: "base-workers", status: "ACTIVE", desiredCount: 1, runningCount: 1 }],
    });
    ecs
      .on(ListTasksCommand, { desiredStatus: "RUNNING" })
      .resolves({ taskArns: ["arn:t/run"] })
      .on(ListTasksCommand, { desiredStatus: "STOPPED" })
      .resolves({ taskArns: ["arn:t/old"] });
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      tasks: input.tasks.map((arn) =>
        arn === "arn:t/run"
          ? {
              taskArn: arn,
              lastStatus: "RUNNING",
              cpu: "1024",
              memory: "2048",
              capacityProviderName: "FARGATE_SPOT",
              createdAt: new Date("2026-03-14T09:00:00Z"),
              pullStartedAt: new Date("2026-03-14T09:00:05Z"),
              startedAt: new Date("2026-03-14T09:00:40Z"),
              ephemeralStorage: { sizeInGiB: 30 },
            }
          : {
              taskArn: arn,
              lastStatus: "STOPPED",
              cpu: "4096",
              memory: "8192",
              launchType: "FARGATE",
              createdAt: new Date("2026-03-14T08:00:00Z"),
              startedAt: new Date("2026-03-14T08:00:30Z"),
              stoppedAt: new Date("2026-03-14T08:30:00Z"),
              stopCode: "EssentialContainerExited",
              containers: [{ name: "agent", exitCode: 0 }],
            },
      ),
    }));
    const state = await fleet().state();
    expect(state.tasks).toEqual([
      {
        id: "arn:t/run",
        region: "us-west-2",
        startedAt: "2026-03-14T09:00:05.000Z",
        cpu: 1,
        memoryGb: 2,
        diskGb: 30,
        capacity: "FARGATE_SPOT",
      },
      {
        id: "arn:t/old",
        region: "us-west-2",
        // No image pull recorded: billed from its creation, the earliest it can have been.
        startedAt: "2026-03-14T08:00:00.000Z",
        stoppedAt: "2026-03-14T08:30:00.000Z",
        cpu: 4,
        memoryGb: 8,
        capacity: "FARGATE",
      },
    ]);
    // The crash-loop judgement still sees the stopped one.
    expect(state.stopped.map((s) => s.id)).toEqual(["arn:t/old"]);
  });

  it("says plainly when the service is not there or the credentials may not scale it", async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: "x", reason: "MISSING" }] });
    await expect(fleet().state()).rejects.toThrow(
      'ECS does not know the service base-workers of cluster modelfleet-demo in us-west-2 (MISSING): apply the infrastructure in us-west-2, or fix "service" and "cluster" in the infrastructure outputs',
    );
    ecs.on(UpdateServiceCommand).rejects(
      new ECSServiceException({
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
        message: "User is not authorized to perform: ecs:UpdateService",
      }),
    );
    await expect(fleet().scaleTo(0)).rejects.toThrow(
      "these AWS credentials may not call ecs:UpdateService on the service base-workers of cluster modelfleet-demo in us-west-2 (User is not authorized to perform: ecs:UpdateService): use the run role, or allow ecs:UpdateService on it",
    );
  });

  it("lists the service's running tasks and stops them with StopTask", async () => {
    ecs
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: ["arn:t/1"], nextToken: "n" })
      .resolves({ taskArns: ["arn:t/2"] });
    ecs.on(StopTaskCommand).resolves({});
    const f = fleet();
    expect(await f.list()).toEqual(["arn:t/1", "arn:t/2"]);
    expect(ecs.commandCalls(ListTasksCommand)[1]!.args[0].input).toMatchObject({
      serviceName: "base-workers",
      desiredStatus: "RUNNING",
      nextToken: "n",
    });
    expect(await f.stop(["arn:t/1"], "modelfleet stop")).toEqual({ told: ["arn:t/1"], failures: [] });
    expect(ecs.commandCalls(StopTaskCommand)[0]!.args[0].input).toEqual({
      cluster: "modelfleet-demo",
      task: "arn:t/1",
      reason: "modelfleet stop",
    });
  });
});
