// The TCP port PEST++'s manager listens on in a calibration on ECS. The infrastructure opens it
// on the workers' security group to the group's own members alone (cdktf's calibration-port.ts).
export const PESTPP_PORT = 4004;
