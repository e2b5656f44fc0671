/** `scaletune report <study> --format md|html|json [--out path]`: the study's report, from its records. */
import { studyReport } from '../../study/report.js';
import { Command, Option } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, UsageError } from '../../core/errors.js';
import { reportCharts, renderSvg, type Chart } from '../../report/charts.js';
import { readReportJson, REPORT_SCHEMA_ID, REPORT_SCHEMA_ID_V1, reportJson, type ReportModel } from '../../report/model.js';
import { checkAgainst, formatCheck } from '../../report/check.js';
import { renderHtml, renderMarkdown, reportBlocks } from '../../report/render.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import { action, globals, printJson, requireStudy, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';

export type ReportFormat = 'md' | 'html' | 'json';

/** The report in one format; Markdown with `out` writes its charts as SVG files in `<name>.files/`. */
export async function renderReport(model: ReportModel, format: ReportFormat, out: string | null): Promise<{ text: string; files: string[] }> {
  if (format === 'json') return { text: `${JSON.stringify(reportJson(model), null, 2)}\n`, files: [] };
  const charts = reportCharts(model);
  const svgs = new Map<string, string>();
  for (const c of charts) svgs.set(c.id, await renderSvg(c.spec));
  const blocks = reportBlocks(model, charts);
  if (format === 'html') return { text: renderHtml(blocks, (c) => svgs.get(c.id)!), files: [] };
  const files: string[] = [];
  let ref: (c: Chart) => string | null = () => null;
  if (out) {
    const dirName = `${path.basename(out).replace(/\.[^.]+$/, '')}.files`;
    const dir = path.join(path.dirname(out), dirName);
    mkdirSync(dir, { recursive: true });
    ref = (c) => {
      const file = path.join(dir, `${c.id}.svg`);
      writeFileSync(file, svgs.get(c.id)!);
      files.push(file);
      return `${dirName}/${c.id}.svg`;
    };
  }
  return { text: renderMarkdown(blocks, ref), files };
}

/** The format a file's name asks for, so that `--out r.html` is not Markdown under an .html name. */
function formatOf(out: string | undefined): ReportFormat {
  const ext = out ? path.extname(out).toLowerCase() : '';
  return ext === '.html' || ext === '.htm' ? 'html' : ext === '.json' ? 'json' : 'md';
}

export function makeReportCommand(io: CliIO): Command {
  return new Command('report')
    .description('write a study’s report: Markdown with SVG charts, one self-contained HTML file, or JSON for scripts')
    .argument('<study>', 'study name')
    .addOption(new Option('--format <format>', 'md, html or json; default: from --out’s extension (.html, .htm, .json), else md').choices(['md', 'html', 'json']))
    .option('--out <path>', 'write to this file (Markdown: its charts go to <name>.files/ beside it); default stdout')
    .action(
      action(io, async (name: string, f: { format?: ReportFormat; out?: string }, cmd: Command) => {
        const g = globals(cmd, io);
        const format = f.format ?? formatOf(f.out);
        return withStorage(g, io, async (storage) => {
          const study = await requireStudy(storage, name);
          const out = f.out ? path.resolve(io.cwd, f.out) : null;
          if (out) {
            try {
              mkdirSync(path.dirname(out), { recursive: true });
            } catch (e) {
              throw new UsageError(`--out ${f.out}: cannot create its folder (${(e as Error).message})`);
            }
          }
          const model = await studyReport(storage, study);
          const { text, files } = await renderReport(model, format, out);
          if (!out) {
            io.stdout.write(text);
            return EXIT.OK;
          }
          try {
            writeFileSync(out, text);
          } catch (e) {
            throw new UsageError(`--out ${f.out}: cannot write (${(e as Error).message})`);
          }
          if (!g.quiet) io.stderr.write(`wrote ${out}${files.length ? ` and ${files.length} chart${files.length === 1 ? '' : 's'} in ${path.dirname(files[0]!)}` : ''}\n`);
          return EXIT.OK;
        });
      }),
    );
}

/** `1%`, `0.5 %` or `0.01`. */
function parseTolerance(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(v);
  const t = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(t >= 0 && t < 1)) throw new UsageError(`--tolerance: found '${v}'; allowed: a fraction from 0 to 1 (0.01) or a percentage (1%)`);
  return t;
}

/** A baseline given as a report JSON file: checked before use, so a wrong file gets a clear message. */
function readBaselineFile(file: string, shown: string): ReportModel {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--against ${shown}: not valid JSON (${(e as Error).message}); allowed: a report written by scaletune report <study> --format json`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`--against ${shown}: found ${Array.isArray(raw) ? 'an array' : typeof raw}; allowed: a report written by scaletune report <study> --format json`);
  const r = readReportJson(raw as Record<string, unknown>);
  if (!r) throw new UsageError(`--against ${shown}: field schema is ${JSON.stringify((raw as Record<string, unknown>).schema)}; allowed: "${REPORT_SCHEMA_ID}" or "${REPORT_SCHEMA_ID_V1}" (a report written by scaletune report <study> --format json)`);
  for (const k of ['study', 'history'] as const) if (!r[k] || typeof r[k] !== 'object') throw new UsageError(`--against ${shown}: field ${k} is missing or not an object; allowed: a report written by scaletune report --format json`);
  return r;
}

export function makeCheckCommand(io: CliIO): Command {
  return new Command('check')
    .description('CI gate: exit 5 when a study’s recipe regressed against a baseline (another study, or a report saved with --format json)')
    .argument('<study>', 'the study to judge')
    .requiredOption('--against <baseline>', 'a study in the same database, or a report JSON file')
    .option('--tolerance <t>', 'how much worse a scale’s best loss may be: 1% or 0.01', '1%')
    .addOption(flag('json', 'print the checks as JSON'))
    .action(
      action(io, async (name: string, f: { against: string; tolerance: string; json?: boolean }, cmd: Command) => {
        const g = globals(cmd, io);
        const tolerance = parseTolerance(f.tolerance);
        return withStorage(g, io, async (storage) => {
          const study = await requireStudy(storage, name);
          const current = await studyReport(storage, study);
          const file = path.resolve(io.cwd, f.against);
          let baseline: ReportModel;
          if (/\.json$/i.test(f.against) || existsSync(file)) {
            if (!existsSync(file)) throw new UsageError(`--against ${f.against}: file not found`);
            baseline = readBaselineFile(file, f.against);
          } else baseline = await studyReport(storage, await requireStudy(storage, f.against));
          const result = checkAgainst(current, baseline, tolerance, f.against);
          if (f.json) printJson(io, result);
          else io.stdout.write(formatCheck(result));
          return result.regressed ? EXIT.REGRESSED : EXIT.OK;
        });
      }),
    );
}
