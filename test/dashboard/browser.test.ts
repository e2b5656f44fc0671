/**
 * The dashboard in a real browser: Debian's Chromium, headless, driven by puppeteer-core, against
 * `scaletune dashboard` started as a process over a SQLite file that holds a search, a ladder, a PBT
 * study and a multi-objective one, while another process runs a study into it. Every page must load
 * with no console error or warning and no request leaving the dashboard; every chart must be an SVG
 * with marks; the running study must gain a trial on screen within seconds, and finish unblocked.
 * Screenshots land in test-artifacts/. Without Chromium the test is skipped locally; in CI it fails.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startBin } from '../helpers/bin.js';
import { ROOT, TRAINER, tmpDir, writeFile } from '../helpers/fixtures.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_MISSING, launchChromium, watchPage } from '../helpers/chromium.js';


const SEARCH = `name: search
program: ${TRAINER}
method: bayes
metric: {name: val_loss}
run_cap: 16
parallel: 1
seed: 3
# twelve complete before any is stopped: enough for importance, and pruned ones to mark
early_terminate: {type: median, warmup_steps: 6, startup_trials: 12}
bayes: {initial: 4}
parameters:
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
  width: {distribution: q_log_uniform_values, min: 16, max: 512, q: 16}
  steps: {value: 12}
  step_ms: {value: 10}
`;

const LADDER = `name: ladder
method: grid
metric: {name: loss}
seed: 3
parameters:
  lr: {values: [0.0005, 0.001, 0.002, 0.004, 0.008]}
backend: {type: sim, batch_size: 256}
scales:
  - {params: 1.0e8, tokens: 2.0e9}
  - {params: 4.0e8, tokens: 8.0e9}
  - {params: 1.6e9, tokens: 3.2e10}
  - {params: 6.4e9, tokens: 1.28e11}
target: {name: 70B, params: 7.0e10, tokens: 1.4e12}
`;

const PBT = `name: pbt
program: ${path.join(ROOT, 'fixtures/trainers/pbt_toy.mjs')}
method: pbt
metric: {name: q, goal: maximize}
parallel: 2
seed: 3
parameters:
  h0: {min: 0.0, max: 1.0}
  h1: {min: 0.0, max: 1.0}
  steps: {value: 20}
pbt: {population: 4, perturbation_interval: 5, max_steps: 20, quantile: 0.5}
`;

const FRONT = `name: front
program: ${TRAINER}
method: random
metric:
  - {name: val_loss, goal: minimize}
  - {name: params, goal: minimize}
constraints:
  - {name: peak_memory_gb, max: 16}
run_cap: 12
parallel: 2
seed: 5
parameters:
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
  batch_size: {values: [32, 64, 128]}
  width: {distribution: q_log_uniform_values, min: 16, max: 512, q: 16}
  steps: {value: 8}
  step_ms: {value: 5}
`;

/** A study slow enough to watch: one trial at a time, about 2.5 s each. */
const LIVE = `name: live
program: ${TRAINER}
method: random
metric: {name: val_loss}
run_cap: 6
parallel: 1
seed: 9
parameters:
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
  steps: {value: 40}
  step_ms: {value: 60}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!CHROMIUM && !process.env.CI)('the dashboard in headless Chromium', () => {
  it('every page loads without console errors, charts render as SVG, a running study gains trials on screen', async () => {
    expect(CHROMIUM, CHROMIUM_MISSING).toBeTruthy();
    const dir = tmpDir('scaletune-dash-browser-');
    const db = path.join(dir, 'd.db');
    for (const [name, text] of [['search', SEARCH], ['ladder', LADDER], ['pbt', PBT], ['front', FRONT]] as const) {
      const r = await runCli(['run', writeFile(dir, `${name}.yaml`, text), '--db', db, '--quiet'], { cwd: dir });
      expect(r.code, `${name}: ${r.stderr}`).toBeLessThanOrEqual(1);
    }
    expect((await runCli(['note', 'search', 'bayes with median stopping', '--db', db], { cwd: dir })).code).toBe(0);

    const dash = startBin(['dashboard', '--db', db, '--port', '0'], { cwd: dir });
    let run: ReturnType<typeof startBin> | null = null;
    const browser = await launchChromium();
    try {
      let url = '';
      let exited: string | null = null;
      void dash.done.then((r) => (exited = `${r.code}: ${r.stderr}`));
      for (let i = 0; i < 200 && !url && exited === null; i++) {
        await sleep(100);
        url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(dash.stdout())?.[1] ?? '';
      }
      expect(exited, 'the dashboard exited').toBeNull();
      expect(url, 'the dashboard printed no address').toMatch(/^http:/);
      const origin = new URL(url).origin;

      const page = await browser.newPage();
      const problems = watchPage(page, origin);
      await page.setViewport({ width: 1300, height: 900 });
      mkdirSync(ARTIFACTS, { recursive: true });

      /** Go to a page and wait until it is built (the script stamps body[data-loaded]) and its charts are drawn. */
      const visit = async (hash: string, shot: string, charts: string[]) => {
        const before = await page.evaluate(() => document.body?.dataset.loaded ?? '').catch(() => '');
        if (hash === '') await page.goto(url, { waitUntil: 'load' });
        else await page.evaluate((h) => void (location.hash = h), hash);
        await page.waitForFunction((b) => document.body.dataset.loaded && document.body.dataset.loaded !== b, { timeout: 20_000 }, before);
        for (const id of charts) await page.waitForSelector(`figure[data-chart="${id}"] svg .mark-symbol, figure[data-chart="${id}"] svg .mark-line, figure[data-chart="${id}"] svg .mark-rect, figure[data-chart="${id}"] svg .mark-rule`, { timeout: 20_000 });
        const drawn = await page.$$eval('figure.chart', (figs) =>
          figs.map((f) => {
            const svg = f.querySelector('svg');
            const box = svg?.getBoundingClientRect();
            return { id: f.getAttribute('data-chart')!, width: box?.width ?? 0, marks: svg ? svg.querySelectorAll('.mark-symbol path, .mark-line path, .mark-rect path, .mark-rule line, .mark-area path').length : 0 };
          }),
        );
        for (const id of charts) {
          const c = drawn.find((d) => d.id === id);
          expect(c, `${shot}: chart ${id} (drawn: ${drawn.map((d) => d.id).join(', ')})`).toBeDefined();
          expect(c!.width, `${shot}: ${id}`).toBeGreaterThan(150);
          expect(c!.marks, `${shot}: ${id}`).toBeGreaterThan(2);
        }
        expect(await page.$eval('#problem', (p) => (p as HTMLElement).hidden)).toBe(true);
        await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${shot}.png`) as `${string}.png`, fullPage: true });
        return drawn;
      };

      await visit('', 'studies', []);
      const names = await page.$$eval('#table-studies tbody tr td:first-child a', (a) => a.map((x) => x.textContent));
      expect(names.sort()).toEqual(['front', 'ladder', 'pbt', 'search']);
      expect(await page.$eval('#table-studies', (t) => t.textContent)).toContain('bayes with median stopping');

      await visit('#/study/search', 'search', ['history', 'learning-curves', 'slice', 'parallel', 'contour', 'importance']);
      // pruned trials are marked on the curves and in the table
      expect(await page.$$eval('#table-trials-search tbody tr', (r) => r.length)).toBe(16);
      expect(await page.$eval('#table-trials-search', (t) => t.textContent)).toContain('pruned');
      // sort by the metric, then filter by state
      await page.click('#table-trials-search th[data-col="2"]');
      const sorted = await page.$$eval('#table-trials-search tbody tr td:nth-child(3)', (c) => c.map((x) => Number(x.textContent)).filter((v) => Number.isFinite(v)));
      expect(sorted).toEqual([...sorted].sort((a, b) => a - b));
      await page.select('#table-trials-search select[data-role="state"]', 'complete');
      const states = await page.$$eval('#table-trials-search tbody tr td:nth-child(2)', (c) => c.map((x) => x.textContent?.trim()));
      expect(states.length).toBeGreaterThan(0);
      expect(states.every((s) => s?.startsWith('complete'))).toBe(true);

      await visit('#/study/search/trial/2', 'trial', ['trial-metrics']);
      await visit('#/study/ladder', 'ladder', ['sweep', 'law-lr', 'law-loss', 'history', 'learning-curves']);
      expect(await page.$eval('main', (m) => m.textContent)).toContain('Prediction for 70B');
      await visit('#/study/pbt', 'pbt', ['pbt-members', 'pbt-schedule', 'pbt-lineage']);
      await visit('#/study/front', 'front', ['front', 'history']);
      await visit('#/compare/search/front', 'compare', []);
      expect(await page.$eval('main', (m) => m.textContent)).toContain('scaletune check search --against front');

      // a study started now appears, and its trials arrive on screen while it runs
      run = startBin(['run', writeFile(dir, 'live.yaml', LIVE), '--db', db, '--quiet'], { cwd: dir });
      await visit('', 'studies-live', []);
      await page.waitForFunction(() => [...document.querySelectorAll('#table-studies tbody a')].some((a) => a.textContent === 'live'), { timeout: 20_000 });
      await visit('#/study/live', 'live-start', []);
      const rows = () => page.$$eval('#table-trials-live tbody tr', (r) => r.length);
      const first = await rows();
      const started = Date.now();
      await page.waitForFunction((n) => document.querySelectorAll('#table-trials-live tbody tr').length > n, { timeout: 15_000 }, first);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await page.$eval('main', (m) => m.textContent)).toMatch(/running/);
      // a running trial's curve is drawn while it grows
      await page.waitForFunction(() => /running/.test(document.querySelector('figure[data-chart="learning-curves"]')?.textContent ?? ''), { timeout: 15_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-live.png') as `${string}.png`, fullPage: true });
      // the study ran to its end beside the dashboard's reads
      const ended = await run.done;
      expect(ended.code, ended.stderr).toBe(0);
      await page.waitForFunction(() => /6 complete/.test(document.querySelector('main p')?.textContent ?? ''), { timeout: 15_000 });
      expect(problems).toEqual([]);
      // a link to no study leaves nothing of the page before it
      await page.evaluate(() => void (location.hash = '#/study/nope'));
      await page.waitForFunction(() => /Nothing to show: no study named nope/.test(document.querySelector('main')?.textContent ?? ''), { timeout: 10_000 });
      expect(await page.$$('#table-trials-live')).toHaveLength(0);
      expect(await page.$eval('#problem', (p) => p.textContent)).toMatch(/no study named nope/);
    } finally {
      await browser.close();
      run?.child.kill('SIGKILL');
      dash.child.kill('SIGTERM');
      const closed = await dash.done;
      expect(closed.stderr).toMatch(/closing the dashboard/);
    }
  }, 240_000);
});
