/** A tokenizer's encoder: text to token ids. */
export interface TokenEncoder {
  encode(text: string): number[];
}

let encoder: Promise<TokenEncoder> | undefined;

/** OpenAI's cl100k_base (js-tiktoken), loaded once on first use (~0.7 s): token counts for prompts and chunks, an estimate for models with other tokenizers. */
export function cl100k(): Promise<TokenEncoder> {
  encoder ??= (async () => {
    const [{ Tiktoken }, ranks] = await Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/cl100k_base')]);
    return new Tiktoken(ranks.default);
  })();
  return encoder;
}
