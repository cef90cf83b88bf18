import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * An esbuild plugin for bundling guest code on the host: every import, with any loader
 * (`with { type: 'text' }`, `require`, `import()`, CSS `@import`), resolves only to a file
 * inside `root`. An absolute path, a `file:` URL or a relative path that climbs out of the job
 * is a build error naming the import; bare specifiers (`node:test`, packages) stay external,
 * for the guest's runtime to resolve inside the sandbox. Resolved paths are checked after
 * links are followed, so a link cannot lead out either.
 */
export function confineToDir(root: string): Plugin {
  const real = realpathSync(root);
  const inside = (path: string) => {
    const rel = relative(real, path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  return {
    name: 'umca-confine-to-job',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'umca-confined') return undefined;
        const spec = args.path;
        const refused = { errors: [{ text: `Could not resolve "${spec}": imports must stay inside the job's files` }] };
        if (isAbsolute(spec) || /^file:/i.test(spec) || spec.startsWith('\\')) return refused;
        if (args.kind !== 'entry-point' && !spec.startsWith('.')) return { path: spec, external: true };
        if (args.kind !== 'entry-point' && !inside(resolve(args.resolveDir, spec))) return refused;
        // Let esbuild resolve it (extensions, index files), then check where it landed.
        const result = await build.resolve(spec, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'umca-confined', with: args.with });
        if (result.errors.length > 0) return { errors: result.errors };
        if (result.external) return result;
        let landed: string;
        try {
          landed = realpathSync(result.path);
        } catch {
          return refused;
        }
        return inside(landed) ? { ...result, path: landed } : refused;
      });
    },
  };
}
