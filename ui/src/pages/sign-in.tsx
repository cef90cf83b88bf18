import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { signInWithKey, signOut, startOidcSignIn, type AuthConfig } from '../auth.js';
import { ErrorBox } from '../components/error-box.js';
import { navigate, useLocation } from '../router.js';

/** Sign in with the configured OIDC issuer (authorization code + PKCE) or an API key. */
export function SignIn({ auth, onSignedIn }: { auth: AuthConfig; onSignedIn(): void }) {
  const { query } = useLocation();
  const next = query.get('next') ?? '/';
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  if (auth.mode === 'local') {
    navigate(next, { replace: true });
    return null;
  }
  const withKey = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    signInWithKey(key);
    try {
      await api('/v1/me');
      onSignedIn();
      navigate(next, { replace: true });
    } catch (caught) {
      signOut();
      setError(caught);
    }
  };
  return (
    <main className="page narrow">
      <h1>Sign in to umca</h1>
      {auth.oidc && (
        <section>
          <button type="button" className="primary" onClick={() => startOidcSignIn(auth.oidc!, next).catch(setError)}>
            Sign in with {new URL(auth.oidc.issuer).host}
          </button>
        </section>
      )}
      <form onSubmit={withKey} className="stack">
        <label htmlFor="key">API key</label>
        <input id="key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} placeholder="umca_…" required />
        <p className="hint">An admin makes one with <code>umca keys create --role runner</code>. It stays in this tab only.</p>
        <button type="submit" disabled={!key.trim()}>Sign in with the key</button>
      </form>
      <ErrorBox error={error} />
    </main>
  );
}
