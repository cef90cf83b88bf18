import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { checkImports, readImportGraph } from '../scripts/import-rules.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('architecture: the plane rule (docs/architecture.md)', () => {
  it('holds for every file under src/: planes import only interfaces, core nothing, no cycles', () => {
    const graph = readImportGraph(ROOT);
    assert.ok(graph.size > 100, `read ${graph.size} files`);
    assert.ok(graph.get('src/server/runs-routes.ts')?.includes('src/services/run-input.ts'), 'imports are resolved to project paths');
    assert.deepEqual(checkImports(graph).map((v) => v.message), []);
  });

  it('catches each kind of breach', () => {
    const graph = new Map<string, string[]>([
      ['src/core/config.ts', ['src/sandbox/egress/rules.ts']],
      ['src/sandbox/egress/rules.ts', []],
      ['src/gates/g1.ts', ['src/agents/plan.ts', 'src/engine/internal/queue.ts']],
      ['src/agents/plan.ts', ['src/gates/g1.ts']],
      ['src/engine/internal/queue.ts', []],
      ['src/mcp/tools.ts', ['src/composition.ts', 'src/umca.ts']],
      ['src/server/app.ts', ['src/umca.ts']],
      ['src/cli/main.ts', ['src/composition.ts', 'src/engine/internal/queue.ts']],
      ['src/composition.ts', ['src/engine/internal/queue.ts']],
      ['src/umca.ts', []],
      ['src/engine/a.ts', ['src/engine/b.ts']],
      ['src/engine/b.ts', ['src/engine/a.ts']],
    ]);
    const rules = checkImports(graph).map((v) => `${v.rule}: ${v.message}`);
    const expect = (pattern: RegExp) => assert.ok(rules.some((rule) => pattern.test(rule)), `${pattern} in\n${rules.join('\n')}`);
    expect(/^core-imports-nothing: src\/core\/config\.ts imports src\/sandbox\/egress\/rules\.ts/);
    expect(/^plane-internals: src\/gates\/g1\.ts imports src\/engine\/internal\/queue\.ts/);
    expect(/^composition-root: src\/mcp\/tools\.ts imports the composition root/);
    expect(/^composition-root: src\/mcp\/tools\.ts imports the wired product/);
    expect(/^file-cycle: .*src\/engine\/a\.ts, src\/engine\/b\.ts|^file-cycle: .*src\/engine\/b\.ts, src\/engine\/a\.ts/);
    expect(/^file-cycle: .*src\/gates\/g1\.ts/);
    expect(/^plane-cycle: planes import each other: (gates, agents|agents, gates)/);
    assert.equal(rules.length, 7, 'the CLI, the composition root and the server importing umca.ts break nothing');
  });
});
