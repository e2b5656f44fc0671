/** createStudy: the name a library caller gives is held to the config's rule, before anything is written. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/create.js';
import { tmpDir, trainerConfig } from '../helpers/fixtures.js';

describe('createStudy names', () => {
  it.each(['../../../tmp/x', '', `it's`, '/abs', 'a/b', '..'])('refuses name %j and records nothing', async (name) => {
    const storage = new MemoryStorage();
    await expect(createStudy(storage, trainerConfig(), { name, cwd: tmpDir() })).rejects.toThrow(UsageError);
    await expect(createStudy(storage, trainerConfig(), { name, cwd: tmpDir() })).rejects.toThrow('name: found');
    expect(await storage.listStudies()).toEqual([]);
  });

  it('refuses a config name that was never validated', async () => {
    const storage = new MemoryStorage();
    await expect(createStudy(storage, { ...trainerConfig(), name: '../escape' }, { file: 's.yaml', cwd: tmpDir() })).rejects.toThrow("s.yaml: name: found \"../escape\" (a string); allowed: letters, digits");
    expect(await storage.listStudies()).toEqual([]);
  });

  it('accepts the names the config accepts', async () => {
    const storage = new MemoryStorage();
    const { study } = await createStudy(storage, trainerConfig(), { name: 'lr-sweep_2.b', cwd: tmpDir() });
    expect(study.name).toBe('lr-sweep_2.b');
  });
});
