import { writeFileSync } from 'node:fs';

/**
 * Writes a tiny but real GGUF model (GGUF v3, llama architecture, F32 weights, a
 * SentencePiece-style vocabulary with byte fallback and a ChatML template), so the embedded
 * provider's loading and generation path runs on llama.cpp itself in tests. The weights are
 * drawn from a seeded generator: the model babbles, deterministically, in ~200 KB.
 */
export function writeTinyGguf(path: string, options: { seed?: number } = {}): void {
  const embd = 32;
  const heads = 4;
  const ff = 64;
  const layers = 1;
  const pieces = ['▁', ...'abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `▁${c}`), ...'abcdefghijklmnopqrstuvwxyz.,!?'.split('')];
  const tokens = ['<unk>', '<s>', '</s>', ...Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`), ...pieces];
  // token types: 1 normal, 2 unknown, 3 control, 6 byte
  const types = tokens.map((_, i) => (i === 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1));
  const scores = tokens.map((_, i) => (i < 259 ? 0 : -i));
  const vocab = tokens.length;

  const random = mulberry32(options.seed ?? 42);
  const weights = (count: number, scale: number) => Float32Array.from({ length: count }, () => (random() * 2 - 1) * scale);
  const ones = (count: number) => new Float32Array(count).fill(1);
  const tensors: Array<{ name: string; dims: number[]; data: Float32Array }> = [
    { name: 'token_embd.weight', dims: [embd, vocab], data: weights(embd * vocab, 0.5) },
    { name: 'output_norm.weight', dims: [embd], data: ones(embd) },
    { name: 'output.weight', dims: [embd, vocab], data: weights(embd * vocab, 0.5) },
  ];
  for (let layer = 0; layer < layers; layer += 1) {
    const at = (name: string) => `blk.${layer}.${name}.weight`;
    tensors.push(
      { name: at('attn_norm'), dims: [embd], data: ones(embd) },
      { name: at('attn_q'), dims: [embd, embd], data: weights(embd * embd, 0.2) },
      { name: at('attn_k'), dims: [embd, embd], data: weights(embd * embd, 0.2) },
      { name: at('attn_v'), dims: [embd, embd], data: weights(embd * embd, 0.2) },
      { name: at('attn_output'), dims: [embd, embd], data: weights(embd * embd, 0.2) },
      { name: at('ffn_norm'), dims: [embd], data: ones(embd) },
      { name: at('ffn_gate'), dims: [embd, ff], data: weights(embd * ff, 0.2) },
      { name: at('ffn_up'), dims: [embd, ff], data: weights(embd * ff, 0.2) },
      { name: at('ffn_down'), dims: [ff, embd], data: weights(ff * embd, 0.2) },
    );
  }

  const chatml =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  const metadata: Array<[string, Value]> = [
    ['general.architecture', { string: 'llama' }],
    ['general.name', { string: 'umca-tiny-test' }],
    ['general.alignment', { u32: 32 }],
    ['llama.context_length', { u32: 512 }],
    ['llama.embedding_length', { u32: embd }],
    ['llama.block_count', { u32: layers }],
    ['llama.feed_forward_length', { u32: ff }],
    ['llama.attention.head_count', { u32: heads }],
    ['llama.attention.head_count_kv', { u32: heads }],
    ['llama.rope.dimension_count', { u32: embd / heads }],
    ['llama.attention.layer_norm_rms_epsilon', { f32: 1e-5 }],
    ['tokenizer.ggml.model', { string: 'llama' }],
    ['tokenizer.ggml.tokens', { strings: tokens }],
    ['tokenizer.ggml.scores', { f32s: scores }],
    ['tokenizer.ggml.token_type', { i32s: types }],
    ['tokenizer.ggml.unknown_token_id', { u32: 0 }],
    ['tokenizer.ggml.bos_token_id', { u32: 1 }],
    ['tokenizer.ggml.eos_token_id', { u32: 2 }],
    ['tokenizer.ggml.add_bos_token', { bool: true }],
    ['tokenizer.chat_template', { string: chatml }],
  ];

  const out = new Writer();
  out.bytes(Buffer.from('GGUF'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const [key, value] of metadata) {
    out.string(key);
    out.value(value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(dim);
    out.u32(0); // GGML_TYPE_F32
    out.u64(offset);
    offset += align(tensor.data.byteLength);
  }
  out.pad(32);
  for (const tensor of tensors) {
    out.bytes(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    out.pad(32);
  }
  writeFileSync(path, out.finish());
}

type Value = { string: string } | { u32: number } | { f32: number } | { bool: boolean } | { strings: string[] } | { f32s: number[] } | { i32s: number[] };

const align = (n: number) => Math.ceil(n / 32) * 32;

class Writer {
  readonly #chunks: Buffer[] = [];
  #length = 0;

  bytes(buffer: Buffer): void {
    this.#chunks.push(buffer);
    this.#length += buffer.length;
  }

  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.bytes(b);
  }

  u64(n: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.bytes(b);
  }

  string(text: string): void {
    const b = Buffer.from(text, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }

  value(value: Value): void {
    // GGUF value types: 4 uint32, 5 int32, 6 float32, 7 bool, 8 string, 9 array
    if ('string' in value) return void (this.u32(8), this.string(value.string));
    if ('u32' in value) return void (this.u32(4), this.u32(value.u32));
    if ('bool' in value) return void (this.u32(7), this.bytes(Buffer.from([value.bool ? 1 : 0])));
    if ('f32' in value) return void (this.u32(6), this.f32(value.f32));
    const [type, items] = 'strings' in value ? [8, value.strings] : 'f32s' in value ? [6, value.f32s] : [5, value.i32s];
    this.u32(9);
    this.u32(type);
    this.u64(items.length);
    for (const item of items) {
      if (type === 8) this.string(item as string);
      else if (type === 6) this.f32(item as number);
      else {
        const b = Buffer.alloc(4);
        b.writeInt32LE(item as number);
        this.bytes(b);
      }
    }
  }

  f32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    this.bytes(b);
  }

  pad(to: number): void {
    const rest = this.#length % to;
    if (rest) this.bytes(Buffer.alloc(to - rest));
  }

  finish(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

/** A small seeded generator, so every run writes the same model. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
