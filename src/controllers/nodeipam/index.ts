// Node IPAM: pod CIDRs for Nodes from the cluster CIDR (upstream's range allocator).
export { NodeIpamController, newNodeIpamController, type NodeIpamOptions } from './controller.js';
export { CidrSet, ERR_NO_CIDRS_REMAINING, cidrContains, formatCidr, formatIpv4, parseIpv4, parseIpv4Cidr, type Ipv4Cidr } from './cidrset.js';
