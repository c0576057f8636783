/** The apply functions are wired in one table: src/events/registry.ts. */
export * from './outcome';
