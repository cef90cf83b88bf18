/** Counts a text's tokens. */
export interface TokenCounter {
  /**
   * cl100k_base tokens in `text`, exactly as encoding it would give, with special-token text
   * (`<|endoftext|>`) counted as the ordinary text it is: a document or a prompt that quotes
   * one is counted, not refused.
   */
  count(text: string): number;
}

/** Distinct pre-tokenizer pieces remembered with their token counts before the memo starts over. */
const MEMO_PIECES = 100_000;
/** Longer pieces (a base64 run, minified code) are encoded each time: they rarely repeat. */
const MEMO_MAX_PIECE = 64;

let counter: Promise<TokenCounter> | undefined;

/**
 * OpenAI's cl100k_base (js-tiktoken), loaded once on first use (~0.7 s): token counts for
 * prompts and chunks, an estimate for models with other tokenizers. Encoding splits a text
 * into pieces with the tokenizer's own pattern and byte-pair-merges each on its own, so the
 * count of a text is the sum of its pieces' counts; pieces repeat (words do), and each one's
 * count is remembered, which makes counting several times faster than encoding (chunking a
 * document counts every paragraph).
 */
export function cl100k(): Promise<TokenCounter> {
  counter ??= (async () => {
    const [{ Tiktoken }, ranks] = await Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/cl100k_base')]);
    const encoder = new Tiktoken(ranks.default);
    const pattern = new RegExp(ranks.default.pat_str, 'gu');
    const memo = new Map<string, number>();
    // Special tokens neither allowed nor refused: their text is encoded as text.
    const encodePiece = (piece: string) => encoder.encode(piece, [], []).length;
    return {
      count(text: string): number {
        let total = 0;
        pattern.lastIndex = 0;
        for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
          const piece = match[0];
          if (piece.length > MEMO_MAX_PIECE) {
            total += encodePiece(piece);
            continue;
          }
          let tokens = memo.get(piece);
          if (tokens === undefined) {
            if (memo.size >= MEMO_PIECES) memo.clear();
            tokens = encodePiece(piece);
            memo.set(piece, tokens);
          }
          total += tokens;
        }
        return total;
      },
    };
  })();
  return counter;
}
