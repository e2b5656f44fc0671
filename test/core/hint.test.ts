import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandHint } from '../../src/core/hint.js';

describe('commandHint', () => {
  it('adds --db unless the database is the default one of the working directory; quotes it for a shell, hides a password', () => {
    expect(commandHint('resume demo', path.resolve('/w', 'scaletune.db'), '/w')).toBe('scaletune resume demo');
    expect(commandHint('resume demo', ':memory:', '/w')).toBe('scaletune resume demo');
    expect(commandHint('resume demo', '/w/other.db', '/w')).toBe('scaletune resume demo --db /w/other.db');
    expect(commandHint('resume demo', '/x/scaletune.db', '/w')).toBe('scaletune resume demo --db /x/scaletune.db');
    expect(commandHint('trials s', "/w/my runs/it's.db", '/w')).toBe("scaletune trials s --db '/w/my runs/it'\\''s.db'");
    expect(commandHint('resume s', 'postgres://me:secret@db:5432/st', '/w')).toBe("scaletune resume s --db 'postgres://me:***@db:5432/st'");
  });
});
