// NoExecute taint eviction: pods leave nodes whose NoExecute taints they do not
// tolerate, at once or after their tolerationSeconds.
export { newTaintEvictionController, type TaintEvictionOptions } from './controller.js';
export { matchingTolerations, minTolerationMs, toleratesTaint } from '../../api/scheduling.js';
