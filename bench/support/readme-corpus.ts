// The labelled retrieval set of `npm run bench:kb`, made from files every install of umca
// already has: the README of each npm package in node_modules (fixed by package-lock.json).
// Two kinds of query per package, each with that package's README as its one relevant
// document (known-item search):
//   - its package.json `description` (natural language), with every occurrence of that
//     sentence taken out of the README first, so a query never finds itself word for word;
//   - its `keywords`, joined (what someone types into npm search), where it has three or more.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LabelledQuery {
  kind: 'description' | 'keywords';
  query: string;
  /** The source of the one relevant document. */
  relevant: string;
}

export interface ReadmeCorpus {
  documents: Array<{ source: string; content: string }>;
  queries: LabelledQuery[];
}

/** READMEs shorter than this say too little to find anything in. */
const MIN_README_CHARS = 1_500;
const MAX_README_CHARS = 60_000;

export function readmeCorpus(root: string): ReadmeCorpus {
  const documents: ReadmeCorpus['documents'] = [];
  const queries: LabelledQuery[] = [];
  const seen = new Set<string>();
  for (const dir of packageDirs(join(root, 'node_modules'), 0)) {
    let manifest: { name?: string; description?: string; keywords?: unknown };
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof manifest;
    } catch {
      continue;
    }
    const name = manifest.name;
    const description = (manifest.description ?? '').trim();
    const readme = ['README.md', 'readme.md', 'Readme.md', 'README.markdown'].map((file) => join(dir, file)).find((file) => existsSync(file));
    if (!name || seen.has(name) || !readme || description.split(/\s+/).length < 4) continue;
    let content = readFileSync(readme, 'utf8');
    if (content.length < MIN_README_CHARS) continue;
    content = content.slice(0, MAX_README_CHARS).split(description).join('');
    seen.add(name);
    const source = `${name}/README.md`;
    documents.push({ source, content });
    queries.push({ kind: 'description', query: description.slice(0, 500), relevant: source });
    const keywords = Array.isArray(manifest.keywords) ? manifest.keywords.filter((k): k is string => typeof k === 'string') : [];
    if (keywords.length >= 3) queries.push({ kind: 'keywords', query: keywords.slice(0, 12).join(' '), relevant: source });
  }
  return { documents, queries };
}

/** Package directories under node_modules, scoped ones included, nested ones to depth 2. */
function packageDirs(modules: string, depth: number): string[] {
  if (depth > 2 || !existsSync(modules)) return [];
  const dirs: string[] = [];
  for (const entry of readdirSync(modules).sort()) {
    if (entry.startsWith('.')) continue;
    const path = join(modules, entry);
    if (!statSync(path).isDirectory()) continue;
    const packages = entry.startsWith('@') ? readdirSync(path).sort().map((name) => join(path, name)) : [path];
    for (const dir of packages) {
      if (existsSync(join(dir, 'package.json'))) dirs.push(dir);
      dirs.push(...packageDirs(join(dir, 'node_modules'), depth + 1));
    }
  }
  return dirs;
}
