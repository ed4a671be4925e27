// The Endpoints controller and the pod-to-Service membership helpers it shares with
// the EndpointSlice controller.
export { EndpointsController, newEndpointsController, type EndpointsControllerOptions } from './controller.js';
export {
  HEADLESS_SERVICE_LABEL,
  LAST_CHANGE_TRIGGER_TIME_ANNOTATION,
  TriggerTimeTracker,
  findPort,
  isIPv6,
  isServiceIPSet,
  podIPs,
  rfc3339Nano,
  serviceIPFamily,
  serviceSelector,
  servicesMatching,
  servicesToUpdateOnPodChange,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './membership.js';
export { MAX_ENDPOINTS_CAPACITY, OVER_CAPACITY_ANNOTATION, computeSubsets, podToEndpointAddress, repackSubsets, subsetsEqual, truncateSubsets } from './subsets.js';
