import * as oauth from 'oauth4webapi';

/**
 * How the console signs in to umca's API: nothing in local mode; otherwise an API key the
 * user pastes, or an OIDC access token from the authorization-code flow with PKCE. The
 * credential lives in sessionStorage (gone with the tab), never in a cookie.
 */
const KEY = 'umca.credential';
const PKCE = 'umca.pkce';

export interface AuthConfig {
  mode: 'local' | 'token';
  oidc?: { issuer: string; client_id: string | null; audience: string };
}

export function credential(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function signInWithKey(key: string): void {
  sessionStorage.setItem(KEY, key.trim());
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oidc', [oauth.allowInsecureRequests]: url.protocol === 'http:' }));
}

/** Sends the browser to the issuer's sign-in page (authorization code + PKCE, S256). */
export async function startOidcSignIn(config: NonNullable<AuthConfig['oidc']>, returnTo: string): Promise<void> {
  if (!config.client_id) throw new Error('auth.oidc.client_id is not configured on the server');
  const server = await discover(config.issuer);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, returnTo }));
  const url = new URL(server.authorization_endpoint!);
  url.searchParams.set('client_id', config.client_id);
  url.searchParams.set('redirect_uri', `${location.origin}/callback`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid');
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  location.assign(url.toString());
}

/** On /callback: exchanges the code for tokens, keeps the access token; returns where to go. */
export async function finishOidcSignIn(config: NonNullable<AuthConfig['oidc']>): Promise<string> {
  const saved = JSON.parse(sessionStorage.getItem(PKCE) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  if (!saved) throw new Error('no sign-in was started from this tab');
  sessionStorage.removeItem(PKCE);
  const server = await discover(config.issuer);
  const client: oauth.Client = { client_id: config.client_id! };
  const params = oauth.validateAuthResponse(server, client, new URL(location.href), saved.state);
  const insecure = { [oauth.allowInsecureRequests]: new URL(config.issuer).protocol === 'http:' };
  const response = await oauth.authorizationCodeGrantRequest(server, client, oauth.None(), params, `${location.origin}/callback`, saved.verifier, insecure);
  const result = await oauth.processAuthorizationCodeResponse(server, client, response);
  sessionStorage.setItem(KEY, result.access_token);
  return saved.returnTo || '/';
}
