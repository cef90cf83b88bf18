import type { EventDraft } from '../core/events.js';
import type { ChatMessage, ChatResult, ToolCall, ToolDefinition } from '../gateway/model-provider.js';

/** What a step's body may do. Everything it records lands in the run's event log, in order. */
/** A step's reply shape as a JSON Schema, by name. */
export interface ReplySchema {
  name: string;
  schema: Record<string, unknown>;
}

export interface StepScope {
  readonly step: string;
  readonly signal: AbortSignal;
  /** Records an event. It is stored in order, and durably no later than the step's completion. */
  emit(event: EventDraft): void;
  /** One model call, recorded as model.request / model.response. */
  /**
   * One model call. `schema`: the JSON Schema the reply is parsed against; sent as a
   * json_schema response format to a provider that enforces one (else `responseFormat` as asked).
   */
  chat(request: { role: string; turn: number; messages: ChatMessage[]; responseFormat?: 'text' | 'json'; schema?: ReplySchema; tools?: ToolDefinition[]; maxTokens?: number }): Promise<ChatResult>;
  /**
   * The tools this step may offer its model: those available now and within the run's list,
   * named for the model (`server__tool`). Empty when umca has no MCP servers.
   */
  tools(): Promise<ToolDefinition[]>;
  /**
   * Calls a tool the model asked for: policy decides (use-tool, a `policy.decision`), and the
   * call and its outcome are `tool.call` / `tool.result` events. Resolves with what the model
   * is told — a refusal or failure included, in words — and, for a result, the source id
   * research may cite (`tool:<call id>`). MUST NOT reject for the tool's own failure.
   */
  callTool(call: ToolCall): Promise<ToolCallOutcome>;
}

/** A tool call's outcome, as the step's model sees it. */
export interface ToolCallOutcome {
  /** The message content for the model. */
  text: string;
  /** What the result gives to cite: `tool:<call id>` and its content, or the passages the tool named (see ToolOutput.sources). */
  sources?: Array<{ id: string; content: string; sha256?: string }>;
}
