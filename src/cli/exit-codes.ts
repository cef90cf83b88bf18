import type { RunStatus } from '../core/run.js';

/** What `umca` exits with; scripts and CI depend on these. */
export const EXIT = {
  completed: 0,
  failed: 1,
  blocked: 2,
  usage: 3,
  interrupted: 130,
} as const;

export function exitCodeFor(status: RunStatus): number {
  switch (status) {
    case 'completed':
      return EXIT.completed;
    case 'blocked':
      return EXIT.blocked;
    default:
      return EXIT.failed;
  }
}
