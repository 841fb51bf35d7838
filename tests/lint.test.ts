import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { repoRoot } from './helpers';

const eslint = new ESLint({ cwd: repoRoot });
async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}:${m.message}`);
}

describe('lint import boundaries', () => {
  it('fails a file in electron/core that imports electron', async () => {
    const msgs = await ruleIds('electron/core/bad.ts', "import { app } from 'electron';\nexport const x = app;\n");
    expect(msgs.some((m) => m.startsWith('no-restricted-imports:') && m.includes('only electron/main may import electron'))).toBe(true);
  });
  it('fails shared/ importing electron or node built-ins', async () => {
    expect((await ruleIds('shared/lib/bad.ts', "import fs from 'node:fs';\nexport const x = fs;\n")).join()).toMatch(/no-restricted-imports/);
    expect((await ruleIds('shared/lib/bad2.ts', "import { app } from 'electron';\nexport const x = app;\n")).join()).toMatch(/no-restricted-imports/);
  });
  it('fails the renderer importing node built-ins or the engine', async () => {
    expect((await ruleIds('renderer/src/bad.ts', "import path from 'path';\nexport const x = path;\n")).join()).toMatch(/no Node built-ins/);
    expect((await ruleIds('renderer/src/bad2.ts', "import { Engine } from '../../electron/core/engine';\nexport const x = Engine;\n")).join()).toMatch(/must not import the engine/);
  });
  it('allows electron in electron/main', async () => {
    const msgs = await ruleIds('electron/main/ok.ts', "import { app } from 'electron';\nexport const x = app;\n");
    expect(msgs.filter((m) => m.startsWith('no-restricted-imports'))).toEqual([]);
  });
});
