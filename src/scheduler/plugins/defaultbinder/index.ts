// DefaultBinder: binds a pod by POSTing a Binding to pods/NAME/binding through the
// scheduler's client (the I/O comes in through the framework handle).

import type { Pod } from 'kubernetes-types/core/v1.js';
import { isFrameworkHandle, type SchedulerServices } from '../../framework/runtime.js';
import { Code, SUCCESS, type BindPlugin, type CycleState, type PluginFactory, type Status } from '../../framework/types.js';

export const NAME = 'DefaultBinder';

export class DefaultBinder implements BindPlugin {
  readonly name = NAME;

  constructor(private readonly services: SchedulerServices) {}

  async bind(_state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    try {
      await this.services.bindPod(pod, nodeName);
      return SUCCESS;
    } catch (err) {
      return { code: Code.Error, reasons: [err instanceof Error ? err.message : String(err)] };
    }
  }
}

export const newDefaultBinder: PluginFactory = (_args, handle) => {
  if (!isFrameworkHandle(handle)) throw new Error(`${NAME} needs the scheduler's framework handle`);
  return new DefaultBinder(handle.services);
};
