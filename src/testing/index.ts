export { checkLeaksAfterAll } from './leaks.js';
export { freePort, kubectlBinaries, startCluster, type KubectlResult, type StartOptions, type TestCluster } from './cluster.js';
export { startControlPlane, eventually, type ControlPlaneOptions, type TestControlPlane } from './control-plane.js';
