/**
 * The HTML report in a real browser: Debian's Chromium, headless, driven by puppeteer-core. The page
 * must load with no console error, no page error and no request leaving the file, and every chart must
 * render as an SVG with marks and a size on screen. A screenshot lands in test-artifacts/.
 * Without Chromium the test is skipped locally; in CI (.ci/run installs it) it fails instead.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tmpDir, writeFile } from '../helpers/fixtures.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_MISSING, launchChromium, watchPage } from '../helpers/chromium.js';


const LADDER = `name: small-ladder
method: grid
metric: {name: loss}
seed: 3
parameters:
  lr: {values: [0.0002, 0.0005, 0.001, 0.002, 0.004, 0.008]}
  batch_size: {values: [64, 256]}
backend: {type: sim}
scales:
  - {params: 1.0e8, tokens: 2.0e9}
  - {params: 4.0e8, tokens: 8.0e9}
  - {params: 1.6e9, tokens: 3.2e10}
  - {params: 6.4e9, tokens: 1.28e11}
target: {name: 70B, params: 7.0e10, tokens: 1.4e12}
`;

describe.skipIf(!CHROMIUM && !process.env.CI)('the HTML report in headless Chromium', () => {
  it('loads without console errors and renders every chart as SVG', async () => {
    expect(CHROMIUM, CHROMIUM_MISSING).toBeTruthy();
    const dir = tmpDir('scaletune-html-');
    const db = path.join(dir, 'r.db');
    const run = await runCli(['run', writeFile(dir, 'ladder.yaml', LADDER), '--db', db, '--quiet'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const out = path.join(dir, 'report.html');
    const rep = await runCli(['report', 'small-ladder', '--db', db, '--format', 'html', '--out', out], { cwd: dir });
    expect(rep.code, rep.stderr).toBe(0);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems = watchPage(page, 'file://');
      await page.setViewport({ width: 1200, height: 900 });
      const res = await page.goto(`file://${out}`, { waitUntil: 'load' });
      expect(res?.ok() ?? true).toBe(true);
      const charts = await page.$$eval('figure.chart', (figs) =>
        figs.map((f) => {
          const svg = f.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return { id: f.getAttribute('data-chart'), width: box?.width ?? 0, height: box?.height ?? 0, marks: svg ? svg.querySelectorAll('path, line, rect, text').length : 0, points: svg ? svg.querySelectorAll('.mark-symbol path').length : 0 };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(['sweep', 'law-lr', 'law-batch', 'law-loss', 'history', 'learning-curves']);
      for (const c of charts) {
        expect(c.width, c.id!).toBeGreaterThan(200);
        expect(c.height, c.id!).toBeGreaterThan(100);
        expect(c.marks, c.id!).toBeGreaterThan(20);
      }
      // every completed run is a dot in the history (plus one legend symbol per scale)
      const completed = (JSON.parse((await runCli(['report', 'small-ladder', '--db', db, '--format', 'json'], { cwd: dir })).stdout) as { history: { value: number | null }[] }).history.filter((h) => h.value !== null).length;
      expect(completed).toBeGreaterThan(30);
      expect(charts.find((c) => c.id === 'history')!.points).toBe(completed + 4);
      expect(charts.find((c) => c.id === 'sweep')!.points).toBeGreaterThan(20);
      expect(await page.title()).toBe('scaletune report: small-ladder');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'report-small-ladder.png') as `${string}.png`, fullPage: true });
      // each chart on its own, to look at
      for (const c of charts) await (await page.$(`figure[data-chart="${c.id}"]`))!.screenshot({ path: path.join(ARTIFACTS, `report-chart-${c.id}.png`) as `${string}.png` });
      expect(existsSync(path.join(ARTIFACTS, 'report-small-ladder.png'))).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
