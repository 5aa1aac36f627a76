// A Fargate task's private IPv4 address, from DescribeTasks: the task's elastic network
// interface attachment names it once the task has one (awsvpc networking).
import { DescribeTasksCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";

export function privateAddressOf(task: Task): string | undefined {
  for (const a of task.attachments ?? []) {
    if (a.type !== "ElasticNetworkInterface") continue;
    const ip = a.details?.find((d) => d.name === "privateIPv4Address")?.value;
    if (ip) return ip;
  }
  return task.containers?.flatMap((c) => c.networkInterfaces ?? []).find((n) => n.privateIpv4Address)
    ?.privateIpv4Address;
}

/** The task's address, or undefined while it has none yet; its lastStatus too. */
export async function describeTaskAddress(
  client: ECSClient,
  cluster: string,
  taskArn: string,
): Promise<{ address: string | undefined; lastStatus: string | undefined }> {
  const out = await client.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
  const task = out.tasks?.find((t) => t.taskArn === taskArn);
  return { address: task ? privateAddressOf(task) : undefined, lastStatus: task?.lastStatus };
}
