// The in-process client passes the same client conformance suite as HTTPS.

import { runClientConformance } from '../client/conformance.js';
import { checkLeaksAfterAll, startControlPlane } from '../testing/index.js';

checkLeaksAfterAll();

runClientConformance('in-process (loopback) client', async () => {
  const cp = await startControlPlane();
  return {
    client: cp.client,
    close: () => cp.close(),
    compact: async () => cp.store.compact(await cp.store.currentRevision()),
  };
});
