// The DaemonSet controller: one daemon pod per eligible node, rolling updates with
// maxUnavailable / maxSurge, and revision history for kubectl rollout.
import type { Controller, ControllerContext } from '../types.js';
import { DaemonSetsController } from './controller.js';

export { DaemonSetsController } from './controller.js';

export function newDaemonSetController(ctx: ControllerContext): Controller {
  return new DaemonSetsController(ctx);
}
