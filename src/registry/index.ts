/**
 * The plugin registries: methods (searchers and population schedulers), backends, executors and
 * stopping rules. Config validation, the JSON Schema, the run loop and the CLI read them; adding a
 * plugin means adding one entry here.
 */
export * from './methods.js';
export * from './backends.js';
export * from './executors.js';
export * from './stopping.js';
export * from './schedulers.js';
