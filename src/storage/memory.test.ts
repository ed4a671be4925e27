import { runStoreConformance } from './conformance.js';
import { checkLeaksAfterAll } from '../testing/index.js';
import { openMemoryStore } from './memory.js';

runStoreConformance('memory', async () => openMemoryStore());

checkLeaksAfterAll();
