// Types of rshttp imported as an ES module: the same as Node 20's `http`
// (from @types/node), named exports and the default export alike.
export * from './index.js';
import * as http from './index.js';
export default http;
