import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a run's files under `<home>/runs/<id>/`: a copy, for people and editors, of what the
 * store holds (the store's copy is the one verified). Idempotent, so a resumed run writes
 * them again harmlessly. Paths are the pipeline's, already checked to stay inside the run.
 */
export async function mirrorArtifacts(home: string, runId: string, files: ReadonlyArray<{ path: string; content: Uint8Array }>): Promise<void> {
  const dir = join(home, 'runs', runId);
  await Promise.all(
    files.map(async (file) => {
      const target = join(dir, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }),
  );
}
