// Services on a node: kube-proxy's iptables mode.
export { IptablesProxier, type IptablesProxierOptions, type SyncResult } from './proxier.js';
export { Iptables, CommandError, cleanupIptables, runCommand, type IptablesCommandOptions } from './iptables.js';
export {
  buildProxyRules,
  renderRestore,
  planRestore,
  renderCleanup,
  parseIptablesSave,
  servicePortChainName,
  endpointChainName,
  servicePortNameString,
  isProxiedService,
  type ProxyRules,
  type ProxyRulesInput,
  type RestorePlan,
  type RestorePlanOptions,
} from './rules.js';
