/** The configs README's "Bring your trainer" shows are whole study files that validate as printed: a reader pastes them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText, validateStudyConfig } from '../../src/config/index.js';
import { ROOT } from '../helpers/fixtures.js';

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Bring your trainer'), readme.indexOf('\n## ', readme.indexOf('## Bring your trainer') + 1));
const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README: Bring your trainer', () => {
  it('shows the nanoGPT, Hugging Face and W&B configs', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it.each(blocks.map((b, i) => [i, b] as const))('config %i validates as printed', (_i, text) => {
    const { raw, intPaths } = parseConfigText(text, 'README.md');
    const cfg = validateStudyConfig(raw, { file: 'README.md', intPaths, forRun: false });
    expect(cfg.command.length).toBeGreaterThan(0);
  });
});
