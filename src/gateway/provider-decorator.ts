import type { CallOptions, ChatRequest, ChatResult, EmbedRequest, EmbedResult, ModelProvider, StreamPart } from './model-provider.js';

/**
 * Base of the gateway's wrappers (resilience, context fitting, budgets, metering): keeps the
 * wrapped provider's identity and passes every call through; a wrapper overrides what it adds to.
 */
export abstract class ProviderDecorator implements ModelProvider {
  readonly kind: string;
  readonly label: string;
  readonly url: string | undefined;
  readonly model: string;
  readonly scripted: boolean;
  readonly structuredOutput: ModelProvider['structuredOutput'];
  protected readonly inner: ModelProvider;

  constructor(inner: ModelProvider) {
    this.inner = inner;
    this.kind = inner.kind;
    this.label = inner.label;
    this.url = inner.url;
    this.model = inner.model;
    this.scripted = inner.scripted;
    this.structuredOutput = inner.structuredOutput;
  }

  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult> {
    return this.inner.chat(request, options);
  }

  stream(request: ChatRequest, options?: CallOptions): AsyncIterable<StreamPart> {
    return this.inner.stream(request, options);
  }

  embed(request: EmbedRequest, options?: CallOptions): Promise<EmbedResult> {
    return this.inner.embed(request, options);
  }

  ignoredFields(request: ChatRequest): string[] {
    return this.inner.ignoredFields?.(request) ?? [];
  }
}
