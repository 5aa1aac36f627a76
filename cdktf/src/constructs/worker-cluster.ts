// A project's ECS cluster, with Fargate and Fargate Spot as its capacity.
import { EcsCluster } from "@cdktn/provider-aws/lib/ecs-cluster/index.js";
import { EcsClusterCapacityProviders } from "@cdktn/provider-aws/lib/ecs-cluster-capacity-providers/index.js";
import { Construct } from "constructs";

export class WorkerCluster extends Construct {
  readonly cluster: EcsCluster;
  /** Services that use the capacity providers must wait for this. */
  readonly capacity: EcsClusterCapacityProviders;

  constructor(scope: Construct, id: string, props: { readonly name: string }) {
    super(scope, id);
    this.cluster = new EcsCluster(this, "cluster", {
      name: props.name,
      // Container Insights costs per metric; the run reports what it needs.
      setting: [{ name: "containerInsights", value: "disabled" }],
    });
    this.capacity = new EcsClusterCapacityProviders(this, "capacity", {
      clusterName: this.cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }],
    });
  }
}
