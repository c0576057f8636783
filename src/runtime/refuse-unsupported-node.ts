/**
 * Imported first by every entry point (`npm start`, the API, the worker, the migrations): on a Node.js the
 * service does not support, it prints one line naming the running version and the floor, and exits 1
 * before any other module is loaded or anything is started. Without it an old Node fails later with
 * whatever API is missing ("registerHooks is not a function"), halfway through starting the embedded
 * servers. A side-effect import because imports run before an entry point's own first statement.
 */
import { unsupportedNodeMessage } from './supported-node';

const problem = unsupportedNodeMessage(process.version);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
