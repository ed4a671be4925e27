// The pod network of a node: CNI plugins for pods (bridge, host-local, portmap,
// loopback), masquerade rules, and host-gw routes to other nodes' pod CIDRs.
export {
  CNI_VERSION,
  CniError,
  CniNetwork,
  DEFAULT_BIN_DIR,
  DEFAULT_BRIDGE,
  NETWORK_NAME,
  buildConfList,
  cleanupNodeNetwork,
  cniPaths,
  type CniNetworkOptions,
  type CniNetworkStats,
  type NetworkConfList,
  type NodeNetworkCleanupOptions,
} from './cni.js';
export { HOST_GW_ROUTE_PROTOCOL, HostGwRoutes, desiredRoutes, type HostGwRoutesOptions } from './hostgw.js';
export { FORWARD_CHAIN, MASQUERADE_CHAIN, ensurePodNetworkRules, removePodNetworkRules, removePortmapChains } from './masquerade.js';
export { CommandError, HostCommands, runCommand, type CommandResult, type RunOptions } from './command.js';
