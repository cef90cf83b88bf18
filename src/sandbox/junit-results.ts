import { XMLParser } from 'fast-xml-parser';
import { readBoundedFile } from '../core/read-bounded-file.js';
import type { TestOutcome } from './sandbox-lane.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Every level that may repeat is a list, even with one element.
  isArray: (name) => name === 'testsuite' || name === 'testcase',
  // No DOCTYPE entity is expanded (a guest's file could be an entity bomb); the five XML ones are decoded below.
  processEntities: false,
  htmlEntities: false,
});

interface JunitCase {
  name?: string;
  classname?: string;
  time?: string;
  failure?: unknown;
  error?: unknown;
  skipped?: unknown;
}

/**
 * The tests of a JUnit XML report (pytest's --junitxml, and most runners'), one outcome per
 * test case; skipped cases are left out. The guest wrote the file: it is read bounded, and a
 * file that is not such a report gives no outcome.
 */
export async function readJunit(path: string, maxBytes: number): Promise<TestOutcome[]> {
  const read = await readBoundedFile(path, maxBytes).catch(() => undefined);
  if (!read || !read.text.trim()) return [];
  return parseJunit(read.text);
}

export function parseJunit(xml: string): TestOutcome[] {
  let document: { testsuites?: { testsuite?: Array<{ testcase?: JunitCase[] }> }; testsuite?: Array<{ testcase?: JunitCase[] }> };
  try {
    document = parser.parse(xml) as typeof document;
  } catch {
    return [];
  }
  const suites = document.testsuites?.testsuite ?? document.testsuite ?? [];
  const outcomes: TestOutcome[] = [];
  for (const suite of suites) {
    for (const test of suite.testcase ?? []) {
      if (test.skipped !== undefined || typeof test.name !== 'string') continue;
      const problem = test.failure ?? test.error;
      const name = decode(test.classname ? `${test.classname}::${test.name}` : test.name);
      const seconds = Number(test.time);
      outcomes.push({
        name,
        ok: problem === undefined,
        ...(problem === undefined ? {} : { error: messageOf(problem) }),
        duration_ms: Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000 * 1000) / 1000 : 0,
      });
    }
  }
  return outcomes;
}

const XML_ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'", '&amp;': '&' };
const decode = (text: string) =>
  text.replace(/&(?:lt|gt|quot|apos|amp|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (entity) => {
    if (!entity.startsWith('&#')) return XML_ENTITIES[entity]!;
    const code = entity[2] === 'x' ? parseInt(entity.slice(3, -1), 16) : parseInt(entity.slice(2, -1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });

function messageOf(problem: unknown): string {
  return decode(rawMessage(problem));
}

function rawMessage(problem: unknown): string {
  const first = Array.isArray(problem) ? problem[0] : problem;
  if (typeof first === 'string') return first.trim().split('\n').pop()?.slice(0, 500) || 'failed';
  if (first && typeof first === 'object') {
    const { message, '#text': text } = first as { message?: unknown; '#text'?: unknown };
    if (typeof message === 'string' && message.trim()) return message.trim().slice(0, 500);
    if (typeof text === 'string' && text.trim()) return text.trim().split('\n').pop()!.slice(0, 500);
  }
  return 'failed';
}
