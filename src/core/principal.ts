/** What a caller may be, from least to most: each role includes the ones before it. */
export const ROLES = ['runner', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** `user:<sub>` (OIDC), `key:<id>` (API key) or `user:local` (local mode). */
  id: string;
  roles: Role[];
  via: 'oidc' | 'api-key' | 'local';
}

/** The caller when nobody authenticates (auth.mode: local, the CLI on its own state dir). */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ id: 'user:local', roles: ['admin'] as Role[], via: 'local' as const });

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
