/**
 * A tool an agent may call during its step: today the tools of external MCP servers
 * (`server.tool`). Types and contract only; implementations live beside their source.
 */

/** Whether a tool can be called right now, and if not, why (shown by `umca tools`). */
export type ToolAvailability = { available: true } | { available: false; reason: string };

export interface ToolCallOptions {
  /** Aborts the call; the tool MUST stop waiting and reject promptly. */
  signal?: AbortSignal;
  /** The call's limit; past it the call MUST reject with a ToolError `timeout`. */
  timeoutMs: number;
}

export interface ToolOutput {
  /** What the model is given: the tool's text content, joined. */
  text: string;
  /** The tool reported a failure of its own (MCP `isError`): the model sees it as such. */
  isError: boolean;
  /** The result's size as the source sent it, in bytes. */
  sizeBytes: number;
  /**
   * Passages the result is made of, each citable by its own id (a knowledge base's chunks,
   * `kb:<kb>/<doc>#<chunk>`, with the sha256 of its stored text); absent: the whole result
   * is one source, `tool:<call id>`.
   */
  sources?: Array<{ id: string; content: string; sha256?: string }>;
}

export interface Tool {
  /** `server.tool`, unique among all tools; the name the model calls and policy decides on. */
  readonly name: string;
  /** Where it comes from: the MCP server's name in `mcp.servers`. */
  readonly server: string;
  readonly description: string;
  /** JSON Schema of the arguments object, as offered to the model. */
  readonly inputSchema: Record<string, unknown>;
  /** The source's hints (`readOnlyHint`, `destructiveHint`…), passed on as given. */
  readonly annotations: Record<string, unknown>;

  availability(): ToolAvailability;

  /**
   * Calls the tool. MUST resolve with the tool's output (an `isError` output included) or
   * reject with a ToolError whose code says what went wrong: `unavailable`, `timeout`,
   * `too_large`, `invalid_arguments`, `error`. MUST NOT throw anything else.
   */
  call(args: Record<string, unknown>, options: ToolCallOptions): Promise<ToolOutput>;
}

/** The tool sources the agents may use, by name. */
export interface ToolSet {
  /** Resolves once every source is ready or has failed its first start; idempotent. */
  start(): Promise<void>;
  /** Every tool known now, available or not. */
  list(): Tool[];
  get(name: string): Tool | undefined;
}
