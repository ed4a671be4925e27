// The EndpointSlice controller and its pure reconciler.
export { EndpointSliceController, newEndpointSliceController, type EndpointSliceControllerOptions } from './controller.js';
export {
  CONTROLLER_NAME,
  DEFAULT_MAX_ENDPOINTS_PER_SLICE,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LABEL_TOPOLOGY_ZONE,
  addressTypesForService,
  endpointPorts,
  newEndpointSlice,
  podToEndpoint,
  portMapKey,
  reconcileSlices,
  type AddressType,
  type ReconcileInput,
  type Slice,
  type SliceChanges,
} from './reconciler.js';
