/**
 * The boundary to every model. Each provider — an HTTP upstream, an embedded model,
 * the scripted test double — implements this and passes the same contract suite.
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the model produced them: a JSON text, not yet trusted. */
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** Tool calls the assistant made in this turn. */
  toolCalls?: ToolCall[];
  /** For `role: 'tool'`: the call this message answers. */
  toolCallId?: string;
}

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  /** OpenAI's strict function calling (the arguments must match the schema), where the upstream has it. */
  strict?: boolean;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Of the output, tokens a reasoning model spent thinking (where the upstream says). */
  reasoningTokens?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

export interface JsonSchemaFormat {
  type: 'json_schema';
  name: string;
  schema: Record<string, unknown>;
  strict?: boolean;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Overrides the provider's configured model. */
  model?: string;
  tools?: ToolDefinition[];
  toolChoice?: 'auto' | 'none' | 'required' | { name: string };
  temperature?: number;
  maxTokens?: number;
  /** `json` asks for a JSON object reply; `json_schema` for one matching a schema, where the upstream supports it. */
  responseFormat?: 'text' | 'json' | JsonSchemaFormat;
  /**
   * Request fields umca does not act on (`top_p`, `stop`, `seed`, `logit_bias`, `user`…), as an
   * OpenAI client sent them: providers that speak OpenAI's API send them as they are; others map
   * what they have an equivalent for and ignore the rest.
   */
  passthrough?: Readonly<Record<string, unknown>>;
  /**
   * Who asks and in which turn (`role`, `turn`, `run_id`). Providers MUST NOT send it
   * upstream as content; the scripted provider picks its reply by it.
   */
  metadata?: Record<string, string | number>;
}

export interface ChatResult {
  content: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** The model that answered, as the upstream names it. */
  model: string;
  /** The upstream's `system_fingerprint`, where it gives one. */
  systemFingerprint?: string;
  /** A reasoning model's thinking, where the upstream gives it apart from the content (`reasoning_content`, `reasoning`). */
  reasoning?: string;
}

/** Parts of a streamed reply, discriminated on `type`. */
export type StreamPart =
  | { type: 'text-delta'; text: string }
  /** A reasoning model's thinking, apart from its reply. */
  | { type: 'reasoning-delta'; text: string }
  | { type: 'tool-call'; toolCall: ToolCall }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage; model: string; systemFingerprint?: string };

export interface EmbedRequest {
  input: string[];
  /** Overrides the provider's configured model. */
  model?: string;
  /** Who asks (`key`, `role`); never sent upstream. */
  metadata?: Record<string, string | number>;
}

export interface EmbedResult {
  /** One vector per input, in input order. */
  embeddings: number[][];
  usage: { inputTokens: number };
  model: string;
}

export interface CallOptions {
  /** Aborts the call; the provider MUST stop network work and reject promptly. */
  signal?: AbortSignal;
}

/** How an upstream holds a reply to a format: a JSON Schema enforced, JSON only, or neither. */
export type StructuredOutput = 'json_schema' | 'json_object' | 'none';

export interface ModelProvider {
  /** The implementation, e.g. `openai-compatible` or `scripted`. */
  readonly kind: string;
  /** How it holds a reply to a format (see StructuredOutput); absent: `json_object`. */
  readonly structuredOutput?: StructuredOutput;
  /** What a user reads in logs and events, e.g. `openai-compatible qwen2.5 at http://…`. */
  readonly label: string;
  /** Where calls go, if anywhere; named in every error. */
  readonly url: string | undefined;
  /** The default model name sent upstream. */
  readonly model: string;
  /** True for replies that do not come from a real model; the UI and CLI say so. */
  readonly scripted: boolean;

  /**
   * One complete reply. MUST reject with a ProviderError that names the provider and
   * URL when the upstream is unreachable, answers an error status, or answers garbage.
   */
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;

  /**
   * The reply as it is produced. Yields text deltas and whole tool calls, then exactly
   * one `finish` part. A stream that ends without the upstream's terminator MUST throw.
   */
  stream(request: ChatRequest, options?: CallOptions): AsyncIterable<StreamPart>;

  /** Embeddings, one vector per input, all of one dimension. Same errors as `chat`. */
  embed(request: EmbedRequest, options?: CallOptions): Promise<EmbedResult>;

  /**
   * The pass-through fields of `request` this provider has no equivalent for, which it drops;
   * the gateway names them to the caller (`x-umca-ignored-params`). Absent: it honours them all.
   */
  ignoredFields?(request: ChatRequest): string[];

  /** Releases what the provider holds (a loaded model, connections); calls after it fail. Optional. */
  close?(): Promise<void>;
}
