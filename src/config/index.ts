/** Study configs: reading, validation through the plugin registries, types, and the JSON Schema. */
export * from './study.js';
export * from './read.js';
export { validateStudyConfig, commandNeedsProgram, type ValidateOptions } from './validate.js';
export * from './schema.js';
