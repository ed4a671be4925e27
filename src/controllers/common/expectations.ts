// controller.ControllerExpectations / UIDTrackingControllerExpectations: what a
// controller has asked the API for and not yet seen through its informer, so a
// worker does not create or delete again before the cache catches up.

import type { Clock } from '../../client/index.js';

/** ExpectationsTimeout: expectations older than this are treated as satisfied (a watch event may have been lost). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  timestamp: number;
  /** Keys ("namespace/name") of the objects whose deletion is awaited. */
  deleting: Set<string>;
}

export class ControllerExpectations {
  private readonly byController = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  /** SatisfiedExpectations: nothing pending, expired, or never set (a new controller). */
  satisfied(controllerKey: string): boolean {
    const exp = this.byController.get(controllerKey);
    if (!exp) return true;
    if (exp.add <= 0 && exp.del <= 0) return true;
    return this.clock.now() - exp.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  /** ExpectCreations: the controller is about to create `adds` objects. */
  expectCreations(controllerKey: string, adds: number): void {
    this.byController.set(controllerKey, { add: adds, del: 0, timestamp: this.clock.now(), deleting: new Set() });
  }

  /** ExpectDeletions (UID-tracking): the controller is about to delete these objects, by key. */
  expectDeletions(controllerKey: string, objectKeys: readonly string[]): void {
    this.byController.set(controllerKey, { add: 0, del: objectKeys.length, timestamp: this.clock.now(), deleting: new Set(objectKeys) });
  }

  /** CreationObserved: the informer saw one of the expected creations (or one was skipped). */
  creationObserved(controllerKey: string): void {
    const exp = this.byController.get(controllerKey);
    if (exp) exp.add--;
  }

  /** DeletionObserved: the informer saw the object with this key go (counted once per key). */
  deletionObserved(controllerKey: string, objectKey: string): void {
    const exp = this.byController.get(controllerKey);
    if (exp?.deleting.delete(objectKey)) exp.del--;
  }

  /** DeleteExpectations: the controller is gone or starts over. */
  delete(controllerKey: string): void {
    this.byController.delete(controllerKey);
  }

  /** Pending counts, for tests and debugging. */
  pending(controllerKey: string): { add: number; del: number } | undefined {
    const exp = this.byController.get(controllerKey);
    return exp ? { add: exp.add, del: exp.del } : undefined;
  }
}
