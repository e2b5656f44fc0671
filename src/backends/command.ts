/**
 * The command backend: launch any trainer as a child process, without a shell, in a process group of
 * its own, and stream its reports: JSON lines, and lines the study's `metrics:` patterns read
 * (log-metrics.ts). This is how GPU runs happen (DESIGN.md, "The command backend protocol").
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StudyConfig } from '../config/index.js';
import type { Params, ParamValue } from '../core/distributions.js';
import { pyStr } from '../core/python.js';
import { parseReportLine } from './protocol.js';
import { linkProgramFiles } from './workdir.js';
import { standInPythonPath } from './wandb-stand-in.js';
import { cleanSegment, createReportParser, neverMatchedMessage } from './log-metrics.js';
import { argForms, paramKinds, paramsJson, trainerParams, type ParamKinds } from './trainer-args.js';
import type { Backend, RunEvents, RunHandle, RunOutcome, RunRequest } from './types.js';
import { harvestEnv } from './harvest-env.js';

/** How a value appears in `--name=value`: as W&B's agent writes it, Python's str (whole numbers as ints). */
export function formatArgValue(v: ParamValue): string {
  return pyStr(v);
}

export function interpreterFor(program: string | undefined): string | null {
  if (!program) return null;
  const ext = path.extname(program).toLowerCase();
  if (ext === '.py') return process.env.SCALETUNE_PYTHON || 'python3';
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return process.execPath;
  return null;
}

/** Where a trial runs, for the macros that name it, and the environment `${envvar:NAME}` reads. */
export interface ArgvContext {
  /** the trial's folder: `${run_dir}` */
  runDir?: string;
  /** `${checkpoint_dir}` */
  checkpointDir?: string;
  /** for `${envvar:NAME}` (default: this process's environment) */
  env?: Record<string, string | undefined>;
}

/** A command that cannot be built for this trial (an unset `${envvar:NAME}`); the trial fails with it. */
export class CommandArgsError extends Error {}

/**
 * Expand the command's macros into an argv array. List macros (${args}) become several items; a macro
 * that expands to nothing (${interpreter} for a program with no known extension) drops its item.
 * Values are typed by `config.parameters` (floats written `1.0` stay `1.0`); without it whole numbers
 * are ints.
 */
export function buildArgv(
  config: Pick<StudyConfig, 'command' | 'program'> & Partial<ParamKinds>,
  params: Params,
  argsJsonFile: string,
  where: ArgvContext = {},
): string[] {
  const values = trainerParams({ parameters: config.parameters ?? {}, ...(config.nested ? { nested: config.nested } : {}) }, params);
  const lists: Record<string, string[]> = argForms(values);
  const scalar: Record<string, string | null | undefined> = {
    env: existsSync('/usr/bin/env') ? '/usr/bin/env' : null,
    interpreter: interpreterFor(config.program),
    program: config.program ?? null,
    args_json: paramsJson(values),
    args_json_file: argsJsonFile,
    run_dir: where.runDir,
    checkpoint_dir: where.checkpointDir,
  };
  const env = where.env ?? process.env;
  const unset = new Set<string>();
  const argv: string[] = [];
  for (const item of config.command) {
    const list = /^\$\{(\w+)\}$/.exec(item)?.[1];
    if (list !== undefined && list in lists) {
      argv.push(...lists[list]!);
      continue;
    }
    if (list !== undefined && list in scalar && scalar[list] === null) continue;
    argv.push(
      item.replace(/\$\{(envvar:)?(\w+)\}/g, (whole, envvar: string | undefined, m: string) => {
        if (envvar) {
          const v = env[m];
          if (v === undefined) unset.add(m);
          return v ?? '';
        }
        if (!(m in scalar)) return whole;
        const v = scalar[m];
        if (v === undefined) throw new CommandArgsError(`\${${m}} needs the trial's folder, which this caller did not give`);
        return v ?? '';
      }),
    );
  }
  // W&B's agent passes the variable's name itself when it is unset, a path that silently points nowhere
  if (unset.size > 0) {
    const names = [...unset];
    throw new CommandArgsError(`the command uses ${names.map((n) => `\${envvar:${n}}`).join(', ')}, but ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not set; set ${names.length > 1 ? 'them' : 'it'} where scaletune runs, or in the study's env:`);
  }
  return argv;
}

/** Environment variables every trainer gets (DESIGN.md). */
export function trialEnv(req: RunRequest): Record<string, string> {
  return {
    ...req.study.config.env,
    SCALETUNE_STUDY: req.study.name,
    SCALETUNE_TRIAL_ID: String(req.trial.id),
    SCALETUNE_TRIAL_NUMBER: String(req.trial.number),
    SCALETUNE_PARAMS: paramsJson(trainerParams(paramKinds(req.study.config, req.trial.scale), req.params)),
    SCALETUNE_CHECKPOINT_DIR: req.checkpointDir,
    SCALETUNE_RUN_DIR: req.trialDir,
    ...(req.trial.scale ? { SCALETUNE_SCALE: JSON.stringify(req.trial.scale) } : {}),
    ...(req.resumeFrom ? { SCALETUNE_RESUME_FROM: req.resumeFrom } : {}),
    ...harvestEnv(req.harvest),
    ...(req.stopAt ? { [req.stopUnit === 'tokens' ? 'SCALETUNE_STOP_AT_TOKENS' : 'SCALETUNE_STOP_AT_STEP']: String(req.stopAt) } : {}),
    ...standInPythonPath(req.study.config),
  };
}

/** The trainer's working folder: the study's, or (workdir: trial) the trial's own, with the study's and the program's files linked in. */
function workingFolder(req: RunRequest, events: RunEvents): string {
  const { config, cwd } = req.study;
  if (config.workdir?.type !== 'trial') return cwd;
  // stored configs from before `link:` existed have none
  const leftOut = linkProgramFiles(req.trialDir, [cwd, ...(config.program ? [path.dirname(config.program)] : [])], { exclude: config.workdir.exclude, link: config.workdir.link ?? [] });
  if (leftOut.length) events.onNote?.(`workdir: trial: ${leftOut.join(', ')} not linked into this trial's folder (an output folder by its name, which every trial would share); the trainer makes its own here; to link one all the same: workdir: {type: trial, link: [${leftOut[0]}]}`);
  return req.trialDir;
}

export interface CommandBackendOptions {
  /** longest stdout/stderr line kept whole; longer ones are cut (default 1 MiB) */
  maxLineBytes?: number;
  /** between SIGTERM and SIGKILL (default 5 s) */
  killGraceMs?: number;
  /** how much of stderr's end is kept for error messages (default 4 KiB) */
  stderrTailBytes?: number;
}

/**
 * Splits a byte stream into lines, and each line into the segments a `\r` redraws (progress bars),
 * never holding more than maxLineBytes of one segment. Every segment is offered to the report parser,
 * escapes stripped, since tqdm and Keras print metrics in the redraws; the log gets a line's last
 * non-blank segment only, as a terminal ends up showing it: a bar redrawn a thousand times is one line
 * to a reader, and a thousand would crowd the trial's log cap.
 */
class LineSplitter {
  private buf = '';
  private dropping = 0;
  private shown: string | null = null;
  constructor(
    private readonly max: number,
    private readonly onSegment: (text: string) => void,
    private readonly onLine: (text: string) => void,
  ) {}
  push(chunk: string): void {
    let start = 0;
    const ends = /[\r\n]/g;
    for (let m = ends.exec(chunk); m; m = ends.exec(chunk)) {
      this.take(chunk.slice(start, m.index));
      this.endSegment();
      if (m[0] === '\n') this.endLine();
      start = m.index + 1;
    }
    if (start < chunk.length) this.take(chunk.slice(start));
  }
  private take(part: string): void {
    if (this.dropping > 0) {
      this.dropping += part.length;
      return;
    }
    this.buf += part;
    if (this.buf.length > this.max) {
      this.dropping = this.buf.length - this.max;
      this.buf = this.buf.slice(0, this.max);
    }
  }
  private endSegment(): void {
    if (this.buf === '' && this.dropping === 0) return;
    const raw = this.dropping > 0 ? `${this.buf} [... line cut: ${this.dropping} more characters]` : this.buf;
    this.buf = '';
    this.dropping = 0;
    const text = cleanSegment(raw);
    if (text.trim() === '') return;
    this.shown = text;
    this.onSegment(text);
  }
  private endLine(): void {
    if (this.shown !== null) this.onLine(this.shown);
    this.shown = null;
  }
  /** the output ended: what is held is a whole line */
  flush(): void {
    this.endSegment();
    this.endLine();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The trainer's process group, ended as a whole however the trainer itself ended: what it started there
 * (a data loader, a `sleep` in a shell script) must not outlive the trial. Once the group is seen empty
 * it is never signalled again, since its id may then be reused by another trainer's group.
 */
class ProcessGroup {
  private termAt: number | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private over = false;
  constructor(
    private readonly pgid: number,
    private readonly graceMs: number,
  ) {}

  /** Whether a member is left; a killed member counts until it is reaped, which can take a second. */
  private alive(): boolean {
    try {
      process.kill(-this.pgid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pgid, sig);
    } catch {
      /* already gone */
    }
  }

  /** SIGTERM to every member now, SIGKILL to the group if any is left after the grace period. */
  terminate(): void {
    if (this.over || this.termAt !== null) return;
    this.termAt = Date.now();
    this.signal('SIGTERM');
    this.killTimer = setTimeout(() => {
      if (!this.over && this.alive()) this.signal('SIGKILL');
    }, this.graceMs);
  }

  /** After the trainer has exited: end what it left and resolve once the group is empty (or, past SIGKILL, given up on). */
  async end(): Promise<void> {
    if (this.alive()) {
      this.terminate();
      const giveUpAt = this.termAt! + this.graceMs + 2000;
      while (this.alive() && Date.now() < giveUpAt) await sleep(50);
    }
    this.over = true;
    if (this.killTimer) clearTimeout(this.killTimer);
  }
}

export class CommandBackend implements Backend {
  constructor(private readonly opts: CommandBackendOptions = {}) {}

  start(req: RunRequest, events: RunEvents): RunHandle {
    const maxLine = this.opts.maxLineBytes ?? 1 << 20;
    const grace = this.opts.killGraceMs ?? 5000;
    const tailBytes = this.opts.stderrTailBytes ?? 4096;
    mkdirSync(req.checkpointDir, { recursive: true });
    const argsJsonFile = path.join(req.trialDir, 'params.json');
    const kinds = paramKinds(req.study.config, req.trial.scale);
    writeFileSync(argsJsonFile, `${paramsJson(trainerParams(kinds, req.params), 2)}\n`);
    const env = { ...process.env, ...trialEnv(req), ...req.env };
    let argv: string[];
    try {
      argv = buildArgv({ ...req.study.config, ...kinds }, req.params, argsJsonFile, { runDir: req.trialDir, checkpointDir: req.checkpointDir, env });
    } catch (e) {
      if (!(e instanceof CommandArgsError)) throw e;
      return { done: Promise.resolve({ exitCode: null, signal: null, timedOut: false, stopped: null, spawnError: `cannot build the command: ${e.message}`, stderrTail: '' }), stop: () => {} };
    }
    const cwd = workingFolder(req, events);

    let stopped: string | null = null;
    let timedOut = false;
    let stderrTail = '';
    let timeoutTimer: NodeJS.Timeout | null = null;
    let drainTimer: NodeJS.Timeout | null = null;

    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // its own process group, so that a timeout or Ctrl-C ends the trainer and everything it started
      detached: true,
    });
    const pid = child.pid;
    const group = pid === undefined ? null : new ProcessGroup(pid, grace);
    const terminate = (): void => group?.terminate();

    const logMetrics = req.study.config.metrics;
    const parser = createReportParser(logMetrics);
    const splitter = (stream: 'stdout' | 'stderr'): LineSplitter => {
      // a JSON report is not a log line; the flag is the line's last segment's
      let lastWasReport = false;
      return new LineSplitter(
        maxLine,
        (text) => {
          const o = parser.line(stream, text);
          lastWasReport = o.json;
          for (const r of o.reports) events.onReport(r);
          for (const n of o.notes) events.onNote?.(n);
        },
        (line) => {
          if (lastWasReport) return;
          // the tail as the log keeps it: readable, without a progress bar's every redraw
          if (stream === 'stderr') stderrTail = `${stderrTail}${line}\n`.slice(-tailBytes);
          events.onLog(stream, line);
        },
      );
    };
    const out = splitter('stdout');
    const err = splitter('stderr');
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => out.push(c));
    child.stderr.on('data', (c: string) => err.push(c));

    if (req.timeoutMs !== undefined) {
      timeoutTimer = setTimeout(() => {
        timedOut = true;
        terminate();
      }, req.timeoutMs);
    }

    const done = new Promise<RunOutcome>((resolve) => {
      let settled = false;
      let closed = false;
      let ended: Pick<RunOutcome, 'exitCode' | 'signal'> | null = null;
      const finish = (o: Omit<RunOutcome, 'timedOut' | 'stopped' | 'stderrTail'>): void => {
        if (settled) return;
        settled = true;
        if (timeoutTimer) clearTimeout(timeoutTimer);
        if (drainTimer) clearTimeout(drainTimer);
        out.flush();
        err.flush();
        for (const r of parser.end()) events.onReport(r);
        // only a run that otherwise ended well: a crash or a timeout is the better explanation
        const clean = o.spawnError === null && o.exitCode === 0 && o.signal === null && !timedOut && stopped === null;
        const failure = logMetrics && clean && parser.summary().reports === 0 ? neverMatchedMessage(logMetrics, parser.summary()) : null;
        resolve({ ...o, timedOut, stopped, stderrTail: stderrTail.trim(), ...(failure ? { failure } : {}) });
      };
      child.on('error', (e) => {
        finish({ exitCode: null, signal: null, spawnError: `cannot start ${JSON.stringify(argv[0])}: ${e.message}` });
      });
      child.on('close', () => {
        closed = true;
        if (ended) finish({ ...ended, spawnError: null });
      });
      child.on('exit', (exitCode, signal) => {
        void (group?.end() ?? Promise.resolve()).then(() => {
          ended = { exitCode, signal };
          if (closed) finish({ ...ended, spawnError: null });
          // a process that left the group (setsid) may hold the pipes open: give it a moment, not forever
          else drainTimer = setTimeout(() => finish({ ...ended!, spawnError: null }), 2000);
        });
      });
    });
    if (pid !== undefined) events.onStart?.(pid);

    return {
      done,
      stop: (reason: string) => {
        stopped ??= reason;
        terminate();
      },
    };
  }
}
