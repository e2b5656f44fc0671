/** `scaletune report <study> --format md|html|json [--out path]`: the study's report, from its records. */
import { Command, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, UsageError } from '../../core/errors.js';
import { reportCharts, renderSvg, type Chart } from '../../report/charts.js';
import { buildReport, type ReportModel } from '../../report/model.js';
import { renderHtml, renderMarkdown, reportBlocks } from '../../report/render.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import { action, globals, requireStudy, withStorage, type CliIO } from '../context.js';

export type ReportFormat = 'md' | 'html' | 'json';

export async function studyReport(storage: Storage, study: StudyRecord, now?: Date): Promise<ReportModel> {
  return buildReport({
    study,
    trials: await storage.getTrials(study.id),
    metrics: await storage.getMetrics(study.id),
    lineage: await storage.getLineage(study.id),
    ...(now ? { now } : {}),
  });
}

/** The report in one format; Markdown with `out` writes its charts as SVG files in `<name>.files/`. */
export async function renderReport(model: ReportModel, format: ReportFormat, out: string | null): Promise<{ text: string; files: string[] }> {
  if (format === 'json') return { text: `${JSON.stringify(model, null, 2)}\n`, files: [] };
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

export function makeReportCommand(io: CliIO): Command {
  return new Command('report')
    .description('write a study’s report: Markdown with SVG charts, one self-contained HTML file, or JSON for scripts')
    .argument('<study>', 'study name')
    .addOption(new Option('--format <format>', 'md, html or json').choices(['md', 'html', 'json']).default('md'))
    .option('--out <path>', 'write to this file (Markdown: its charts go to <name>.files/ beside it); default stdout')
    .action(
      action(io, async (name: string, f: { format: ReportFormat; out?: string }, cmd: Command) => {
        const g = globals(cmd, io);
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
          const { text, files } = await renderReport(model, f.format, out);
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
