// The StatefulSet controller: stable pod identities, ordered or parallel pod
// management, storage from volumeClaimTemplates and revision-based rolling updates.
import type { Controller, ControllerContext } from '../types.js';
import { StatefulSetController } from './controller.js';

export { StatefulSetController } from './controller.js';
export { POD_INDEX_LABEL, POD_NAME_LABEL } from './utils.js';

export function newStatefulSetController(ctx: ControllerContext): Controller {
  return new StatefulSetController(ctx);
}
