import { UmcaError } from '../core/errors.js';

export type ToolErrorCode = 'unavailable' | 'timeout' | 'too_large' | 'invalid_arguments' | 'error';

/** Why a tool call failed, in words the model and the log can show. */
export class ToolError extends UmcaError {
  override readonly code: ToolErrorCode;

  constructor(code: ToolErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { status: 502, isRetryable: code === 'unavailable' || code === 'timeout', ...options });
    this.code = code;
  }
}
