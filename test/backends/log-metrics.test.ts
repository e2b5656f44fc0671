import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePattern, groupNames } from '../../src/backends/log-metrics-options.js';
import { createReportParser, neverMatchedMessage, parseLog } from '../../src/backends/log-metrics.js';
import { metricName, parseNumber, parsePythonLiteral, stripEscapes } from '../../src/backends/log-values.js';
import { PRESET_NAMES, type PresetName } from '../../src/backends/presets.js';
import { ROOT } from '../helpers/fixtures.js';

const fixture = (name: string): string => readFileSync(path.join(ROOT, 'fixtures/logs', `${name}.txt`), 'utf8');

type Expected = { step: number | null; totalSteps?: number; metrics: Record<string, number> };

/** [fixture file, preset, the reports it must give, in order] */
const PRESET_TABLE: [string, PresetName, Expected[]][] = [
  [
    'nanogpt',
    'nanogpt',
    [
      { step: 0, metrics: { train_loss: 4.2874, val_loss: 4.2823 } },
      // mfu -100.00% is nanoGPT's "not measured yet"
      { step: 0, metrics: { loss: 4.2654, time_ms: 29012.54 } },
      { step: 10, metrics: { loss: 3.2431, time_ms: 35.12, mfu: 12.34 } },
      { step: 20, metrics: { loss: 2.7872, time_ms: 35.8, mfu: 12.3 } },
      { step: 250, metrics: { train_loss: 2.1, val_loss: 2.2 } },
      { step: 250, metrics: { loss: 2.0981, time_ms: 5012.31, mfu: 11.1 } },
    ],
  ],
  [
    'hf',
    'hf',
    [
      { step: 1, metrics: { loss: 2.31, grad_norm: 1.25, learning_rate: 5e-5, epoch: 0.5 } },
      { step: 2, metrics: { eval_loss: 2.2, eval_runtime: 0.51, eval_samples_per_second: 196.1, eval_steps_per_second: 25.3, epoch: 1 } },
      { step: 3, metrics: { loss: 2.05, grad_norm: Number.NaN, learning_rate: 2.5e-5, epoch: 2 } },
      { step: 4, metrics: { train_runtime: 12.3, train_samples_per_second: 81.3, train_steps_per_second: 10.2, train_loss: 2.45, epoch: 3 } },
    ],
  ],
  [
    'lightning',
    'lightning',
    [
      { step: 1, metrics: { train_loss: 2.54 } },
      { step: 2, metrics: { train_loss: 2.31 } },
      { step: 3, metrics: { train_loss: 2.2 } },
      { step: 4, metrics: { train_loss: 2.1, val_loss: 2.2 } },
      { step: 5, metrics: { train_loss: 2.05, val_loss: 2.2 } },
      { step: 6, metrics: { train_loss: 2.0, val_loss: 2.2 } },
      { step: 7, metrics: { train_loss: 1.95, val_loss: 2.2 } },
      { step: 8, metrics: { train_loss: 1.9, val_loss: 2.1 } },
    ],
  ],
  [
    'keras',
    'keras',
    [
      { step: 1, totalSteps: 2, metrics: { loss: 0.31, accuracy: 0.9, val_loss: 0.29, val_accuracy: 0.91 } },
      { step: 2, totalSteps: 2, metrics: { loss: 0.22, accuracy: 0.93, val_loss: 0.25, val_accuracy: 0.92 } },
    ],
  ],
  [
    'keras-3',
    'keras',
    [
      { step: 1, totalSteps: 2, metrics: { accuracy: 0.9, loss: 0.31, val_accuracy: 0.91, val_loss: 0.29 } },
      { step: 2, totalSteps: 2, metrics: { accuracy: 0.93, loss: 0.22, val_accuracy: 0.92, val_loss: 0.25 } },
    ],
  ],
  [
    'megatron',
    'megatron',
    [
      {
        step: 10,
        totalSteps: 100,
        metrics: { consumed_samples: 640, elapsed_time_per_iteration_ms: 123.4, learning_rate: 3e-4, global_batch_size: 64, lm_loss: 3.2, loss_scale: 1, grad_norm: 1.234, number_of_skipped_iterations: 0, number_of_nan_iterations: 0 },
      },
      {
        step: 20,
        totalSteps: 100,
        metrics: { consumed_samples: 1280, elapsed_time_per_iteration_ms: 123.4, throughput_per_gpu_tflop_s_gpu: 105.3, learning_rate: 2.9e-4, global_batch_size: 64, lm_loss: 2.9, loss_scale: 1, grad_norm: 0.987, number_of_skipped_iterations: 0, number_of_nan_iterations: 0 },
      },
      { step: 100, metrics: { lm_loss_value: 3.1, lm_loss_ppl: 22.19795 } },
    ],
  ],
  [
    'torchtitan',
    'torchtitan',
    [
      { step: 1, metrics: { loss: 10.8765, memory: 5.1, memory_pct: 6.45, tps: 812, tflops: 5.8, mfu: 1.86 } },
      { step: 10, metrics: { loss: 3.2, memory: 10.52, memory_pct: 13.3, tps: 1234, tflops: 100.12, mfu: 30.12 } },
    ],
  ],
];

describe('presets on output in each tool’s format', () => {
  it('has a fixture for every preset', () => {
    expect(new Set(PRESET_TABLE.map((r) => r[1]))).toEqual(new Set(PRESET_NAMES));
  });

  for (const [file, preset, expected] of PRESET_TABLE) {
    it(`${preset} reads fixtures/logs/${file}.txt`, () => {
      const text = fixture(file);
      // the fixtures are raw terminal output: the escapes and redraws are part of what is tested
      if (['hf', 'lightning', 'keras', 'keras-3'].includes(file)) expect(text).toContain('\r');
      if (['keras-3', 'torchtitan', 'lightning'].includes(file)) expect(text).toContain('\x1b[');
      const { reports, notes } = parseLog({ preset, patterns: [] }, text, 'stderr');
      expect(notes).toEqual([]);
      expect(reports.map((r) => ({ step: r.step, ...(r.totalSteps !== null ? { totalSteps: r.totalSteps } : {}), metrics: r.metrics }))).toEqual(expected);
    });
  }

  it('a preset reads stdout the same as stderr, and JSON reports still count on stdout', () => {
    const text = `${fixture('nanogpt')}{"step": 300, "val_loss": 2.0}\n`;
    const out = parseLog({ preset: 'nanogpt', patterns: [] }, text, 'stdout').reports;
    expect(out.at(-1)).toMatchObject({ step: 300, metrics: { val_loss: 2 } });
    expect(out).toHaveLength(7);
    // JSON is the stdout protocol: on stderr the same line is only a log line
    expect(parseLog({ preset: 'nanogpt', patterns: [] }, text, 'stderr').reports).toHaveLength(6);
  });

  it('hf takes a step the dict names, and reads tensors, numpy scalars, booleans and strings', () => {
    const p = createReportParser({ preset: 'hf', patterns: [] });
    expect(p.line('stdout', "{'loss': tensor(2.5, device='cuda:0'), 'global_step': 40, 'lr': np.float64(1e-4), 'nan_seen': False, 'phase': 'warmup', 'x': None}").reports).toEqual([
      { step: 40, tokens: null, checkpoint: null, totalSteps: null, metrics: { loss: 2.5, lr: 1e-4, nan_seen: 0 }, nonNumeric: { nan_seen: false, phase: 'warmup' } },
    ]);
    expect(p.line('stdout', "{'loss': 2.4}").reports[0]!.step).toBe(2);
    expect(p.line('stdout', '{not a dict}').reports).toEqual([]);
  });

  it('keras reports the last epoch when the output ends, and lightning its last step', () => {
    const k = createReportParser({ preset: 'keras', patterns: [] });
    k.line('stdout', 'Epoch 1/1');
    expect(k.line('stdout', '10/10 [==============================] - 0s 2ms/step - loss: 0.5000').reports).toEqual([]);
    expect(k.end()).toMatchObject([{ step: 1, totalSteps: 1, metrics: { loss: 0.5 } }]);
    const l = createReportParser({ preset: 'lightning', patterns: [] });
    expect(l.line('stderr', 'Epoch 0:  50%|█████     | 5/? [00:01<?, 4.00it/s, v_num=0, loss=1.000]').reports).toEqual([]);
    // an unknown total: the step counts on from the previous epoch's last position
    expect(l.line('stderr', 'Epoch 1:  10%|█         | 1/? [00:01<?, 4.00it/s, v_num=0, loss=0.900]').reports).toMatchObject([{ step: 5, metrics: { loss: 1 } }]);
    // a bar that names the last epoch too (Epoch 1/9) reads the same
    expect(l.line('stderr', 'Epoch 1/9:  20%|██        | 2/? [00:01<?, 4.00it/s, v_num=0, loss=0.800]').reports).toMatchObject([{ step: 6, metrics: { loss: 0.9 } }]);
    expect(l.end()).toMatchObject([{ step: 7, metrics: { loss: 0.8 } }]);
  });

  it('a value a preset cannot read refuses the line with a note', () => {
    const { reports, notes } = parseLog({ preset: 'megatron', patterns: [] }, ' iteration 5/ 10 | lm loss: 3.2E+00 | grad norm: n/a |\n');
    expect(reports).toEqual([]);
    expect(notes).toEqual(['line not read as a report: the Megatron line: "grad norm" is "n/a", not a number: iteration 5/ 10 | lm loss: 3.2E+00 | grad norm: n/a |']);
  });
});

describe('numbers as trainers print them', () => {
  it.each([
    ['2.31', 2.31],
    ['1.5E+00', 1.5],
    ['5e-05', 5e-5],
    ['-3', -3],
    ['.5', 0.5],
    ['nan', Number.NaN],
    ['-nan', Number.NaN],
    ['NaN', Number.NaN],
    ['nan(ind)', Number.NaN],
    ['inf', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['1,234', 1234],
    ['1,234,567.5', 1234567.5],
    ['30%', 30],
    [' 12.34 % ', 12.34],
  ])('%s', (text, value) => {
    expect(parseNumber(text)).toBe(value);
  });

  it.each(['', 'abc', '1.2.3', '12,34', '1,2345', '10GiB', '0x10', '%', '1e', 'infinite'])('refuses %j', (text) => {
    expect(parseNumber(text)).toBeNull();
  });

  it('names metrics after printed labels', () => {
    expect(metricName('val loss')).toBe('val_loss');
    expect(metricName(' elapsed time per iteration (ms) ')).toBe('elapsed_time_per_iteration_ms');
    expect(metricName('lm loss PPL')).toBe('lm_loss_ppl');
  });

  it('strips colours, cursor moves, titles and backspaces', () => {
    expect(stripEscapes('\x1b(B\x1b[1m10/10\x1b[0m \x1b[32m━━\x1b[0m\x1b[K\x1b]0;title\x07 done\b\b\x1b7')).toBe('10/10 ━━ done');
  });

  it('reads Python literals', () => {
    expect(parsePythonLiteral("{'a': [1, (2, 3)], \"b\": 'it\\'s', 'c': -inf, 'd': {'e': True}}")).toEqual({ a: [1, [2, 3]], b: "it's", c: -Infinity, d: { e: true } });
    expect(parsePythonLiteral("{'a': 1")).toBeUndefined();
    expect(parsePythonLiteral("{'a': 1} trailing")).toBeUndefined();
  });
});

describe('user patterns', () => {
  const LOSS = String.raw`step (?<step>\d+): train loss (?<train_loss>[\d.eE+-]+|nan|inf)`;

  it('read nan, inf and exponents, and reserved groups fill the report', () => {
    const p = createReportParser({ patterns: [LOSS, String.raw`tokens=(?<tokens>[\d,]+) of (?<total_steps>\d+) ckpt=(?<checkpoint>\S+)`] });
    expect(p.line('stderr', 'step 3: train loss 1.5E+00').reports).toEqual([{ step: 3, tokens: null, checkpoint: null, totalSteps: null, metrics: { train_loss: 1.5 } }]);
    expect(p.line('stderr', 'step 4: train loss nan').reports[0]!.metrics.train_loss).toBeNaN();
    expect(p.line('stderr', 'step 5: train loss inf').reports[0]!.metrics.train_loss).toBe(Infinity);
    // two patterns matching one line make one report
    expect(p.line('stdout', 'step 6: train loss 1.25 tokens=1,024 of 100 ckpt=out/6').reports).toEqual([{ step: 6, tokens: 1024, checkpoint: 'out/6', totalSteps: 100, metrics: { train_loss: 1.25 } }]);
  });

  it("accept Python's (?P<name>…) and a leading flag group", () => {
    const re = compilePattern(String.raw`(?i)LOSS=(?P<loss>\S+) again (?P=loss)`);
    expect(groupNames(re)).toEqual(['loss']);
    expect(re.exec('loss=2 again 2')?.groups).toEqual({ loss: '2' });
  });

  it('refuse a match whose group is no number, with a note, and keep the other patterns’ values', () => {
    const p = createReportParser({ patterns: [String.raw`loss (?<loss>\S+)`, String.raw`acc (?<acc>\S+)`] });
    const o = p.line('stderr', 'loss oops acc 0.5');
    expect(o.reports).toEqual([{ step: null, tokens: null, checkpoint: null, totalSteps: null, metrics: { acc: 0.5 } }]);
    expect(o.notes).toEqual(['line not read as a report: pattern 1 ("loss (?<loss>\\\\S+)"): group loss is "oops", not a number: loss oops acc 0.5']);
    // noted a few times a run, not once per line of a long run
    const notes = Array.from({ length: 20 }, () => p.line('stderr', 'loss oops').notes).flat();
    expect(notes).toHaveLength(4);
    expect(notes.at(-1)).toContain('further refused lines are not noted');
  });

  it('a step that is no whole number is kept as a bad step', () => {
    const p = createReportParser({ patterns: [String.raw`s(?<step>\S+) l(?<loss>\S+)`] });
    expect(p.line('stdout', 's1.5 l2').reports[0]).toMatchObject({ step: null, badStep: expect.stringContaining('step 1.5 is not a whole number') });
  });

  it('the never-matched message shows the first lines and what was tried', () => {
    const p = createReportParser({ preset: 'nanogpt', patterns: [LOSS] });
    for (let i = 0; i < 9; i++) p.line('stdout', `epoch ${i} ${'x'.repeat(300)}`);
    const s = p.summary();
    expect(s.reports).toBe(0);
    expect(s.unmatched).toHaveLength(5);
    const msg = neverMatchedMessage({ preset: 'nanogpt', patterns: [LOSS] }, s);
    expect(msg).toContain('the trainer printed no report: no JSON line, and no line matched preset nanogpt (nanoGPT lines');
    expect(msg).toContain(`pattern ${JSON.stringify(LOSS)}`);
    expect(msg).toContain(`\n  epoch 0 ${'x'.repeat(152)}…\n`);
    expect(msg).not.toContain('epoch 5');
    expect(msg).not.toContain('try metrics:');
  });

  it('the never-matched message names the preset that reads those lines, when the config named another', () => {
    const p = createReportParser({ preset: 'nanogpt', patterns: [] });
    p.line('stdout', 'loading');
    p.line('stdout', "{'loss': 2.31, 'learning_rate': 5e-05, 'epoch': 0.5}");
    const msg = neverMatchedMessage({ preset: 'nanogpt', patterns: [] }, p.summary());
    expect(msg).toMatch(/\nthose lines are what preset hf reads: try metrics: hf$/);
  });
});
