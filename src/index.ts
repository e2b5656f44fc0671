/** scaletune as a library: the same pieces the CLI is made of. */
export { loadStudyConfig, validateStudyConfig, type StudyConfig, type MetricConfig, type Method } from './core/config.js';
export { studyConfigSchema } from './core/schema.js';
export * from './core/distributions.js';
export { Rng } from './core/rng.js';
export { EXIT, ScaletuneError, ConfigError, UsageError, FrozenTrialError } from './core/errors.js';
export type { Trial, TrialState, Metric, LogLine, StudyEvent } from './core/trial.js';
export { openStorage, SqliteStorage, MemoryStorage, type Storage, type StudyRecord, type StudySummary } from './storage/index.js';
export { CommandBackend, buildArgv } from './backends/command.js';
export type { Backend, Report, RunRequest, RunHandle, RunOutcome } from './backends/types.js';
export { parseReportLine } from './backends/protocol.js';
export { runStudy, type RunStudyOptions } from './orchestrator/run-study.js';
export { recoverStaleTrials } from './orchestrator/recovery.js';
export { silentReporter, type Reporter } from './orchestrator/reporter.js';
export { createSearcher, SEARCHERS, type Searcher, type SearcherContext, type Proposal } from '../searchers/index.js';
export { main } from './cli/main.js';
