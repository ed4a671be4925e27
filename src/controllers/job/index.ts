// The Job controller (pkg/controller/job).
export { JobController, newJobController, isJobFinished, type JobObject, type PodObject } from './controller.js';
export { JOB_TRACKING_FINALIZER } from './pods.js';
export { COMPLETION_INDEX_ANNOTATION, formatIntervals, parseIntervals } from './indexes.js';
