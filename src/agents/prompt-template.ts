import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PROMPTS_DIR = fileURLToPath(new URL('../../prompts/', import.meta.url));
const cache = new Map<string, string>();

/** Fills `{{name}}` placeholders of `prompts/<template>.md`. A missing value is an error, not a blank. */
export function renderPrompt(template: string, values: Record<string, string>): string {
  let text = cache.get(template);
  if (text === undefined) {
    text = readFileSync(`${PROMPTS_DIR}${template}.md`, 'utf8');
    cache.set(template, text);
  }
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`prompt ${template} needs {{${name}}}`);
    return value;
  });
}
