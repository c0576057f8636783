/**
 * Preloaded into a process under test (`node --require`): writes a line to stderr whenever a WebAssembly
 * module over 1 MiB is compiled — Prisma's query compiler (about 3.4 MB) is, on the first Prisma query a
 * process runs, and it stays in memory (about 70 MiB of RSS). Small modules (undici's HTTP parser) pass.
 */
/* global WebAssembly */
const LIMIT = 1 << 20;
const sizeOf = (bytes) => (bytes && typeof bytes.byteLength === 'number' ? bytes.byteLength : 0);
const note = (bytes) => {
  if (sizeOf(bytes) > LIMIT)
    process.stderr.write(`large WebAssembly module compiled: ${sizeOf(bytes)} bytes\n${new Error().stack}\n`);
};
const Module = WebAssembly.Module;
WebAssembly.Module = new Proxy(Module, {
  construct(target, args, newTarget) {
    note(args[0]);
    return Reflect.construct(target, args, newTarget);
  },
});
for (const name of ['compile', 'instantiate']) {
  const original = WebAssembly[name];
  WebAssembly[name] = function (source, ...rest) {
    if (!(source instanceof Module)) note(source);
    return original.call(this, source, ...rest);
  };
}
