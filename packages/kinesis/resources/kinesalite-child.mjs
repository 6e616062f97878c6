// kinesalite in a process of its own (started by ../src/local-kinesis.ts): the local Kinesis must
// not share the harness's event loop and CPU with the load driver it serves. Listens on the host
// and port given as JSON in argv[2], writes `{"port":N}` on stdout once listening, and exits when
// its parent closes stdin (the parent ended, however it ended) or on SIGTERM.
import { createRequire } from 'node:module';

const o = JSON.parse(process.argv[2] ?? '{}');
const require = createRequire(import.meta.url);
let factory;
try {
  factory = require('kinesalite');
} catch (e) {
  process.stderr.write(`kinesalite is not installed (it is a devDependency of the streamscore repository): ${e.message}\n`);
  process.exit(3);
}
const server = factory({
  createStreamMs: o.createStreamMs ?? 0,
  deleteStreamMs: o.deleteStreamMs ?? 0,
  updateStreamMs: o.updateStreamMs ?? 0,
  shardLimit: o.shardLimit ?? 200,
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
};
server.once('error', (e) => {
  process.stderr.write(`kinesalite: ${e.message}\n`);
  process.exit(4);
});
server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
