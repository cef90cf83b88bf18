import { ConfigError, UmcaError } from '../core/errors.js';
import { EXIT } from './exit-codes.js';

/** A problem to report as one line on stderr with an exit code; never a stack. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Usage, config and not-found problems exit 3; anything else exits 1. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof ConfigError) return new CliError(error.message, EXIT.usage);
  // The code is the one the HTTP API and MCP give for the same mistake, for scripts to match on.
  if (error instanceof UmcaError) return new CliError(`${error.message} [${error.code}]`, error.status >= 400 && error.status < 500 ? EXIT.usage : EXIT.failed);
  const message = error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error) ? String((error as { message: unknown }).message) : String(error);
  return new CliError(message, EXIT.failed);
}
