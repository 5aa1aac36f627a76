// Where the workers run. By default a small VPC of the project's own: a public subnet in every
// Availability Zone where Fargate runs, an internet gateway and no NAT gateway (nothing to pay
// while idle: workers get public addresses, and S3 traffic takes a free gateway endpoint), the
// VPC's default security group emptied. Or the user's own subnets (and security groups).
// Either way the workers' security group takes no inbound traffic and lets out only HTTPS.
import { DataAwsAvailabilityZones } from "@cdktn/provider-aws/lib/data-aws-availability-zones/index.js";
import { DataAwsSubnet } from "@cdktn/provider-aws/lib/data-aws-subnet/index.js";
import { DataAwsVpcEndpointService } from "@cdktn/provider-aws/lib/data-aws-vpc-endpoint-service/index.js";
import { DefaultSecurityGroup } from "@cdktn/provider-aws/lib/default-security-group/index.js";
import { InternetGateway } from "@cdktn/provider-aws/lib/internet-gateway/index.js";
import { Route } from "@cdktn/provider-aws/lib/route/index.js";
import { RouteTable } from "@cdktn/provider-aws/lib/route-table/index.js";
import { RouteTableAssociation } from "@cdktn/provider-aws/lib/route-table-association/index.js";
import { SecurityGroup } from "@cdktn/provider-aws/lib/security-group/index.js";
import { Subnet } from "@cdktn/provider-aws/lib/subnet/index.js";
import { Vpc } from "@cdktn/provider-aws/lib/vpc/index.js";
import { VpcEndpoint } from "@cdktn/provider-aws/lib/vpc-endpoint/index.js";
import { VpcSecurityGroupEgressRule } from "@cdktn/provider-aws/lib/vpc-security-group-egress-rule/index.js";
import { Fn, TerraformIterator, Token } from "cdktn";
import { Construct } from "constructs";
import { FARGATE_ZONE_IDS } from "../../../src/spec/aws-regions.ts";
import type { NetworkChoice } from "../project-inputs.ts";

export interface WorkerNetworkProps {
  readonly name: string;
  readonly securityGroupName: string;
  readonly region: string;
  readonly choice: NetworkChoice;
  /** The VPC's address range (default 10.0.0.0/16); each zone gets a /20 of it. */
  readonly cidrBlock?: string;
}

export class WorkerNetwork extends Construct {
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly assignPublicIp: boolean;
  /** The workers' group when it is modelfleet's own (not one the user gave). */
  readonly ownSecurityGroupId: string | undefined;

  constructor(scope: Construct, id: string, props: WorkerNetworkProps) {
    super(scope, id);
    const { choice } = props;
    this.assignPublicIp = choice.assignPublicIp;
    let vpcId: string;
    if (choice.subnets.length > 0) {
      this.subnetIds = [...choice.subnets];
      vpcId = new DataAwsSubnet(this, "given-subnet", { id: choice.subnets[0]! }).vpcId;
    } else {
      const own = this.ownVpc(props);
      this.subnetIds = own.subnetIds;
      vpcId = own.vpcId;
    }
    if (choice.securityGroups.length > 0) {
      this.securityGroupIds = [...choice.securityGroups];
      this.ownSecurityGroupId = undefined;
      return;
    }
    const group = new SecurityGroup(this, "workers", {
      name: props.securityGroupName,
      description: "modelfleet workers: no inbound traffic, HTTPS out",
      vpcId,
    });
    new VpcSecurityGroupEgressRule(this, "https-out", {
      securityGroupId: group.id,
      description: "AWS APIs, ECR and S3 over HTTPS",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    this.securityGroupIds = [group.id];
    this.ownSecurityGroupId = group.id;
  }

  private ownVpc(props: WorkerNetworkProps): { vpcId: string; subnetIds: string[] } {
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidrBlock ?? "10.0.0.0/16",
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.name },
    });
    new DefaultSecurityGroup(this, "default-security-group", { vpcId: vpc.id });
    const gateway = new InternetGateway(this, "internet", { vpcId: vpc.id, tags: { Name: props.name } });
    const routes = new RouteTable(this, "public-routes", {
      vpcId: vpc.id,
      tags: { Name: `${props.name}-public` },
    });
    new Route(this, "to-internet", {
      routeTableId: routes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: gateway.id,
    });
    const onlyZones = FARGATE_ZONE_IDS[props.region];
    const zones = new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      filter: [
        { name: "opt-in-status", values: ["opt-in-not-required"] },
        ...(onlyZones ? [{ name: "zone-id", values: [...onlyZones] }] : []),
      ],
    });
    // One subnet per zone, keyed by zone id: a zone added or retired leaves the others alone.
    const perZone = TerraformIterator.fromList(zones.zoneIds);
    const subnet = new Subnet(this, "public", {
      forEach: perZone,
      vpcId: vpc.id,
      availabilityZoneId: perZone.value,
      cidrBlock: Fn.cidrsubnet(vpc.cidrBlock, 4, Token.asNumber(Fn.index(zones.zoneIds, perZone.value))),
      mapPublicIpOnLaunch: false,
      tags: { Name: `${props.name}-public` },
    });
    const perSubnet = TerraformIterator.fromResources(subnet);
    new RouteTableAssociation(this, "public-subnets", {
      forEach: perSubnet,
      subnetId: perSubnet.getString("id"),
      routeTableId: routes.id,
    });
    const subnetIds = Token.asList(perSubnet.pluckProperty("id"));
    const s3 = new DataAwsVpcEndpointService(this, "s3-service", { service: "s3", serviceType: "Gateway" });
    new VpcEndpoint(this, "s3", {
      vpcId: vpc.id,
      serviceName: s3.serviceName,
      vpcEndpointType: "Gateway",
      routeTableIds: [routes.id],
      tags: { Name: `${props.name}-s3` },
    });
    return { vpcId: vpc.id, subnetIds };
  }
}
