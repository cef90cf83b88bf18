import { createContext, useContext, useEffect, useState } from 'react';
import { api, ApiError } from './api.js';
import { credential, signOut, type AuthConfig } from './auth.js';
import { Link, navigate, useLocation } from './router.js';
import type { Me } from './types.js';
import { Callback } from './pages/callback.js';
import { KbList } from './pages/kb-list.js';
import { KbPage } from './pages/kb-page.js';
import { NewRun } from './pages/new-run.js';
import { RunAudit } from './pages/run-audit.js';
import { RunPage } from './pages/run-page.js';
import { RunsList } from './pages/runs-list.js';
import { Settings } from './pages/settings.js';
import { SignIn } from './pages/sign-in.js';

interface Session {
  me: Me;
  auth: AuthConfig;
}

const SessionContext = createContext<Session | undefined>(undefined);

/** The signed-in caller and what policy lets them do. */
export function useSession(): Session {
  return useContext(SessionContext)!;
}

export function App() {
  const { path } = useLocation();
  const [auth, setAuth] = useState<AuthConfig>();
  const [me, setMe] = useState<Me>();
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    api<AuthConfig>('/v1/auth/config').then(setAuth, (error: unknown) => setProblem((error as Error).message));
  }, []);
  useEffect(() => {
    if (!auth || path === '/signin' || path === '/callback') return;
    if (auth.mode === 'token' && !credential()) return navigate(`/signin?next=${encodeURIComponent(path)}`, { replace: true });
    api<Me>('/v1/me').then(setMe, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        signOut();
        navigate(`/signin?next=${encodeURIComponent(path)}`, { replace: true });
      } else setProblem((error as Error).message);
    });
  }, [auth, path === '/signin' || path === '/callback']);

  if (problem) return <main className="page"><p className="error" role="alert">{problem}</p></main>;
  if (!auth) return <main className="page" aria-busy="true"><p>Loading…</p></main>;
  if (path === '/signin') return <SignIn auth={auth} onSignedIn={() => setMe(undefined)} />;
  if (path === '/callback') return <Callback auth={auth} />;
  if (!me) return <main className="page" aria-busy="true"><p>Signing in…</p></main>;

  const run = /^\/runs\/([^/]+)(\/audit)?$/.exec(path);
  const kb = /^\/kb\/([^/]+)$/.exec(path);
  return (
    <SessionContext.Provider value={{ me, auth }}>
      <header className="top">
        <nav aria-label="Main">
          <Link to="/" className="brand">umca</Link>
          <Link to="/new" aria-current={path === '/new' || path === '/' ? 'page' : undefined}>New run</Link>
          <Link to="/runs" aria-current={path.startsWith('/runs') ? 'page' : undefined}>Runs</Link>
          <Link to="/kb" aria-current={path.startsWith('/kb') ? 'page' : undefined}>Knowledge</Link>
          <Link to="/settings" aria-current={path === '/settings' ? 'page' : undefined}>Settings</Link>
        </nav>
        <div className="who">
          <span title={`signed in via ${me.principal.via}`}>{me.principal.id} ({me.principal.roles.join(', ') || 'no role'})</span>
          {auth.mode === 'token' && (
            <button type="button" className="link" onClick={() => { signOut(); setMe(undefined); navigate('/signin'); }}>
              Sign out
            </button>
          )}
        </div>
      </header>
      {path === '/' || path === '/new' ? <NewRun /> : path === '/runs' ? <RunsList /> : path === '/settings' ? <Settings /> : path === '/kb' ? <KbList /> : kb ? <KbPage name={decodeURIComponent(kb[1]!)} /> : run ? (run[2] ? <RunAudit id={run[1]!} /> : <RunPage id={run[1]!} />) : <main className="page"><h1>Not found</h1><p>No page at {path}.</p></main>}
    </SessionContext.Provider>
  );
}
