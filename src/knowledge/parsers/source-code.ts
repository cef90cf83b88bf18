import { parse } from '@babel/parser';
import { parser as pythonParser } from '@lezer/python';
import type { DocumentSection, ParsedDocument } from '../document-section.js';

const JAVASCRIPT = /\.(?:[cm]?[jt]sx?)$/;
const PYTHON = /\.pyi?$/;
const LANGUAGES: Record<string, string> = {
  '.go': 'go', '.rs': 'rust', '.java': 'java', '.kt': 'kotlin', '.c': 'c', '.h': 'c', '.cc': 'cpp', '.cpp': 'cpp', '.hpp': 'cpp',
  '.cs': 'csharp', '.rb': 'ruby', '.php': 'php', '.swift': 'swift', '.scala': 'scala', '.sh': 'shell', '.sql': 'sql',
};

/** Whether `source` names a code file this parser reads. */
export function isSourceCode(source: string): boolean {
  return JAVASCRIPT.test(source) || PYTHON.test(source) || Object.keys(LANGUAGES).some((ext) => source.endsWith(ext));
}

/**
 * Source code, split at its top-level declarations where the language is known (JavaScript
 * and TypeScript by Babel's parser, Python by Lezer's), each section named after what it
 * declares and starting at its leading comments; other languages are split by lines.
 */
export function parseSourceCode(source: string, text: string): ParsedDocument {
  if (JAVASCRIPT.test(source)) return { type: 'code', language: /\.[cm]?tsx?$/.test(source) ? 'typescript' : 'javascript', text, sections: javascriptSections(source, text) };
  if (PYTHON.test(source)) return { type: 'code', language: 'python', text, sections: pythonSections(text) };
  const ext = source.slice(source.lastIndexOf('.'));
  return { type: 'code', language: LANGUAGES[ext] ?? 'unknown', text, sections: text.trim() ? [{ start: 0, end: text.length, heading: null, page: null }] : [] };
}

interface BabelStatement {
  type: string;
  start: number;
  end: number;
  leadingComments?: Array<{ start: number }>;
  id?: { name?: string };
  declaration?: BabelStatement | null;
  declarations?: Array<{ id?: { name?: string } }>;
}

function javascriptSections(source: string, text: string): DocumentSection[] {
  const typescript = /\.[cm]?tsx?$/.test(source);
  let program: { body: BabelStatement[] };
  try {
    program = (parse(text, {
      sourceType: 'unambiguous',
      errorRecovery: true,
      allowReturnOutsideFunction: true,
      plugins: typescript ? [['typescript', {}], ...(source.endsWith('x') ? (['jsx'] as const) : [])] : ['jsx'],
    }) as unknown as { program: { body: BabelStatement[] } }).program;
  } catch {
    // Not parseable even with recovery: by lines, as an unknown language.
    return text.trim() ? [{ start: 0, end: text.length, heading: null, page: null }] : [];
  }
  return contiguous(
    text,
    program.body.map((statement) => ({ start: statement.leadingComments?.[0]?.start ?? statement.start, heading: declaredName(statement) })),
  );
}

function declaredName(statement: BabelStatement): string | null {
  const inner = statement.declaration ?? statement;
  return inner.id?.name ?? inner.declarations?.[0]?.id?.name ?? null;
}

function pythonSections(text: string): DocumentSection[] {
  const tree = pythonParser.parse(text);
  const starts: Array<{ start: number; heading: string | null }> = [];
  for (let node = tree.topNode.firstChild; node; node = node.nextSibling) {
    let heading: string | null = null;
    if (node.name === 'FunctionDefinition' || node.name === 'ClassDefinition' || node.name === 'DecoratedStatement') {
      const definition = node.name === 'DecoratedStatement' ? (node.getChild('FunctionDefinition') ?? node.getChild('ClassDefinition')) : node;
      const name = definition?.getChild('VariableName');
      heading = name ? text.slice(name.from, name.to) : null;
    }
    starts.push({ start: node.from, heading });
  }
  return contiguous(text, starts);
}

/**
 * Sections from where top-level statements start: each runs to the next one's start, so
 * every character of the file is in a section. Unnamed statements (imports, expressions)
 * join the section before them, or the first named one.
 */
function contiguous(text: string, starts: ReadonlyArray<{ start: number; heading: string | null }>): DocumentSection[] {
  const sections: DocumentSection[] = [];
  let current: DocumentSection = { start: 0, end: text.length, heading: null, page: null };
  for (const { start, heading } of starts) {
    if (heading === null) continue;
    // What precedes the first declaration (imports, a file comment) goes with it.
    if (current.heading === null) {
      current.heading = heading;
      continue;
    }
    current.end = start;
    sections.push(current);
    current = { start, end: text.length, heading, page: null };
  }
  sections.push(current);
  return sections.filter((section) => text.slice(section.start, section.end).trim());
}
