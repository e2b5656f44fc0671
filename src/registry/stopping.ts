/** Early-stopping rules a study may name under `early_terminate:`; their decisions are in schedulers/stopping.ts. */
import { STOPPING_KEYS, stoppingOptions } from '../../schedulers/stopping-options.js';

export const STOPPING_RULES = Object.keys(STOPPING_KEYS);
export { stoppingOptions };
