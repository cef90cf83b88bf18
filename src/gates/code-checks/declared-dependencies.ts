export interface DeclaredDependency {
  name: string;
  /** The manifest that declares it: `package.json`, `requirements.txt`. */
  file: string;
}

/**
 * The dependencies a generated project declares: every section of a `package.json`
 * (dependencies, dev, peer, optional) and each requirement line of a `requirements*.txt`
 * (the name before any version, extra or marker). A manifest that does not parse is itself
 * reported, so a broken one cannot hide a dependency.
 */
export function declaredDependencies(files: ReadonlyArray<{ path: string; content: string }>): { dependencies: DeclaredDependency[]; problems: string[] } {
  const dependencies: DeclaredDependency[] = [];
  const problems: string[] = [];
  for (const { path, content } of files) {
    const base = path.split('/').at(-1)!;
    if (base === 'package.json') {
      let manifest: Record<string, unknown>;
      try {
        manifest = JSON.parse(content) as Record<string, unknown>;
      } catch (error) {
        problems.push(`${path} is not valid JSON (${(error as Error).message})`);
        continue;
      }
      for (const section of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
        const entries = manifest[section];
        if (entries && typeof entries === 'object') for (const name of Object.keys(entries)) dependencies.push({ name, file: path });
      }
    } else if (/^requirements[\w.-]*\.txt$/.test(base)) {
      for (const raw of content.split('\n')) {
        const line = raw.replace(/\s+#.*$/, '').trim();
        if (!line || line.startsWith('#') || line.startsWith('-')) continue;
        const name = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line)?.[1];
        if (name) dependencies.push({ name: name.toLowerCase().replace(/_/g, '-'), file: path });
        else problems.push(`${path}: cannot read the requirement "${line}"`);
      }
    }
  }
  return { dependencies, problems };
}
