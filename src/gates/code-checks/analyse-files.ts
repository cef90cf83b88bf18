import { languageOfPath } from '../../sandbox/job-language.js';
import { analyseJavaScript } from './analyse-javascript.js';
import { analysePython } from './analyse-python.js';
import type { CodeFacts } from './code-facts.js';

/** The imports and API uses of every JavaScript/TypeScript and Python file among `files`, parsed. */
export function analyseFiles(files: ReadonlyArray<{ path: string; content: string }>): CodeFacts {
  const facts: CodeFacts = { imports: [], uses: [], unreadable: [] };
  for (const file of files) {
    const language = languageOfPath(file.path);
    const found = language === 'javascript' ? analyseJavaScript(file.path, file.content) : language === 'python' ? analysePython(file.path, file.content) : undefined;
    if (!found) continue;
    facts.imports.push(...found.imports);
    facts.uses.push(...found.uses);
    facts.unreadable.push(...found.unreadable);
  }
  return facts;
}
