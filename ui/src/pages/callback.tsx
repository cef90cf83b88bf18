import { useEffect, useState } from 'react';
import { finishOidcSignIn, type AuthConfig } from '../auth.js';
import { ErrorBox } from '../components/error-box.js';
import { Link, navigate } from '../router.js';

/** Where the issuer sends the browser back: the code is exchanged for a token, then on to the page asked for. */
export function Callback({ auth }: { auth: AuthConfig }) {
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!auth.oidc) return setError(new Error('this umca has no OIDC issuer configured'));
    finishOidcSignIn(auth.oidc).then((next) => navigate(next, { replace: true }), setError);
    return undefined;
  }, [auth]);
  return (
    <main className="page narrow">
      <h1>Signing in…</h1>
      <ErrorBox error={error} />
      {error !== undefined && <Link to="/signin">Try again</Link>}
    </main>
  );
}
