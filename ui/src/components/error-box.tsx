import { ApiError } from '../api.js';

/** An API error where the user acted: its message, and what to do for the common cases. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  const hint = api?.status === 401 ? ' Sign in again.' : api?.status === 403 ? ' Your role does not allow it.' : api?.status === 429 ? ' umca is busy; try again shortly.' : '';
  return (
    <p className="error" role="alert">
      {api ? api.message : error instanceof Error ? error.message : String(error)}
      {hint}
    </p>
  );
}
