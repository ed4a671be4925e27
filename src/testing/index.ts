export { checkLeaksAfterAll } from './leaks.js';
