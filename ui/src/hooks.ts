import { useEffect, useState } from 'react';
import { api } from './api.js';

/** Loads `path` (again when `deps` change); `reload()` fetches it anew. */
export function useApi<T>(path: string | undefined, deps: unknown[] = []): { data: T | undefined; error: unknown; loading: boolean; reload(): void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: path !== undefined });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === undefined) return undefined;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api<T>(path, { signal: controller.signal }).then(
      (data) => setState({ data, error: undefined, loading: false }),
      (error: unknown) => {
        if ((error as Error).name !== 'AbortError') setState({ data: undefined, error, loading: false });
      },
    );
    return () => controller.abort();
  }, [path, tick, ...deps]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}
