/**
 * One error module. Expected failures carry an exit code and a short message; the CLI's single catch
 * prints the message (and the stack only with --debug).
 */
export const EXIT = {
  OK: 0,
  /** unexpected failure, or a run whose every trial failed */
  FAILURE: 1,
  /** bad input: config, flags, unknown study */
  USAGE: 2,
  /** `ask` on a study that has nothing left to ask */
  DONE: 3,
  /** the study ended but every trial failed */
  ALL_FAILED: 4,
  /** `check` found the recipe worse than its baseline */
  REGRESSED: 5,
  /** stopped by SIGINT/SIGTERM; `scaletune resume` continues */
  INTERRUPTED: 130,
} as const;

export class ScaletuneError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.FAILURE) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

export interface ConfigIssue {
  /** dotted path of the field, e.g. `parameters.lr.min`; empty for the document itself */
  path: string;
  message: string;
}

/** A study config that cannot be used; lists every problem found, each with its field path. */
export class ConfigError extends ScaletuneError {
  readonly file: string;
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  ${file}: ${i.path || '(document)'}: ${i.message}`);
    super(`invalid study config ${file} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, EXIT.USAGE);
    this.file = file;
    this.issues = issues;
  }
}

export class UsageError extends ScaletuneError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
  }
}

/** Updating a trial that is already finished (COMPLETE, FAIL, PRUNED, STALE). */
export class FrozenTrialError extends ScaletuneError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
  }
}
