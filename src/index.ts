/** scaletune as a library: the same pieces the CLI is made of. */
export { loadStudyConfig, validateStudyConfig, studyConfigSchema, type StudyConfig, type MetricConfig, type Method } from './config/index.js';
export * from './core/distributions.js';
export { Rng } from './core/rng.js';
export { EXIT, ScaletuneError, ConfigError, UsageError, FrozenTrialError } from './core/errors.js';
export { TRIAL_STATES, type Trial, type TrialState, type Metric, type LogLine, type StudyEvent } from './core/trial.js';
export { openStorage, SqliteStorage, MemoryStorage, PostgresStorage, type Storage, type StudyRecord, type StudySummary } from './storage/index.js';
export type { StoredFit } from './storage/types.js';
export { CommandBackend, buildArgv } from './backends/command.js';
export { backendFor } from './registry/backends.js';
export { TfjsBackend } from './backends/tfjs/backend.js';
export { MarkovSource } from './backends/tfjs/language.js';
export { SyntheticLmTask, TextLmTask, type Task } from './backends/tfjs/tasks.js';
export { modelSpec } from './backends/tfjs/model-spec.js';
export type { Backend, Report, RunRequest, RunHandle, RunOutcome } from './backends/types.js';
export { parseReportLine } from './backends/protocol.js';

// studies: create, run to the end (the orchestrator's loop as is, or resumeStudy with the CLI's defaults), drive from outside
export { createStudy, requireStudy, defaultRunsDir, type CreateStudyOptions, type CreatedStudy } from './study/create.js';
export { resumeStudy, type ResumeStudyOptions } from './study/resume.js';
export { countByState, exitCodeOf, outcomeOf, type StudyOutcome } from './study/outcome.js';
export { askTrial, tellTrial, type TellResult } from './study/ask-tell.js';
export { runStudy, type RunStudyOptions } from './orchestrator/run-study.js';
export { bestTrial } from './orchestrator/best.js';
export { recoverStaleTrials } from './orchestrator/recovery.js';
export { silentReporter, type Reporter, type StudyEnd, type StudyStart, type LiveReport } from './report/reporter.js';
export { SEARCHERS, type Searcher, type SearcherContext, type Proposal } from '../searchers/index.js';
export { METHODS, BACKENDS, EXECUTORS, schedulerFor, type MethodEntry, type BackendEntry } from './registry/index.js';
export type { Scheduler, SchedulerClaim } from './orchestrator/scheduler.js';

// scaling laws: fit runs (a study, a CSV file, rows), keep the fit, predict from it
export { fitLaw, keepFit, readCsvRows, trialRow, type FitLawOptions, type FitSource, type LawFit, type RawRow } from './fit/fit.js';
export { findFit, predict, NAMED_INPUTS, type PredictOptions } from './fit/predict.js';
export { LAWS, LAW_NAMES, predictWithInterval, type LawName, type LawFitOptions, type Prediction } from '../fitters/laws.js';
export { FitError, type FitResult } from '../fitters/types.js';

// reports: a ladder's summary and the report model every renderer draws
export { summarizeLadder, type LadderSummary, type LadderInput } from '../fitters/ladder/index.js';
export { buildReport, REPORT_SCHEMA_ID, type ReportModel, type ReportInput } from './report/model.js';
export { lineageModel, type LineageModel } from './report/lineage.js';
export { studyReport } from './study/report.js';
export { parameterImportance, IMPORTANCE_METHODS, type ImportanceMethod, type ImportanceResult, type Importance } from './report/importance.js';

// the web dashboard over a storage (open it with openStorage(location, { readOnly: true }))
export { startDashboard, type Dashboard, type DashboardOptions } from './dashboard/server.js';

export { main } from './cli/main.js';
