import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * A local OIDC issuer for tests: keys generated at test time, a discovery document and a
 * JWKS over real HTTP, key rotation, and tokens signed however a test needs (expired,
 * foreign issuer, unknown kid...). It stands in for Keycloak and speaks the same protocol,
 * the authorization-code flow with PKCE included: its sign-in page approves at once, as the
 * user `signInAs` names, and the token endpoint checks the code verifier (S256).
 */
export class TestIssuer {
  readonly #server: Server;
  #keys: SigningKey[] = [];
  jwksFetches = 0;
  url = '';
  /** Who the sign-in page signs in, and the claims their access token carries. */
  signInAs: { sub: string; claims: JWTPayload } = { sub: 'alice', claims: { roles: ['runner'] } };
  readonly #codes = new Map<string, { challenge: string; clientId: string; redirectUri: string }>();

  private constructor() {
    this.#server = createServer((req, res) => {
      // Browsers call discovery and the token endpoint across origins (as Keycloak allows its web clients).
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('access-control-allow-headers', 'content-type, authorization, dpop');
      if (req.method === 'OPTIONS') return void res.end();
      if (req.url === '/realms/umca/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            issuer: this.issuer,
            jwks_uri: this.jwksUri,
            authorization_endpoint: `${this.issuer}/protocol/openid-connect/auth`,
            token_endpoint: `${this.issuer}/protocol/openid-connect/token`,
            response_types_supported: ['code'],
            code_challenge_methods_supported: ['S256'],
            grant_types_supported: ['authorization_code'],
          }),
        );
        return;
      }
      if (req.url?.startsWith('/realms/umca/protocol/openid-connect/auth?')) return this.#authorize(req, res);
      if (req.url === '/realms/umca/protocol/openid-connect/token' && req.method === 'POST') return void this.#token(req, res);
      if (req.url === '/realms/umca/protocol/openid-connect/certs') {
        this.jwksFetches += 1;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: this.#keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) }));
        return;
      }
      res.statusCode = 404;
      res.end();
    });
  }

  static async start(): Promise<TestIssuer> {
    const issuer = new TestIssuer();
    await new Promise<void>((resolve) => issuer.#server.listen(0, '127.0.0.1', resolve));
    issuer.url = `http://127.0.0.1:${(issuer.#server.address() as { port: number }).port}`;
    await issuer.rotate('RS256');
    return issuer;
  }

  get issuer(): string {
    return `${this.url}/realms/umca`;
  }

  get jwksUri(): string {
    return `${this.issuer}/protocol/openid-connect/certs`;
  }

  get currentKid(): string {
    return this.#keys.at(-1)!.kid;
  }

  /** Publishes a new key and retires the old ones, as an issuer's key rotation does. */
  async rotate(alg: 'RS256' | 'ES256' = 'RS256'): Promise<string> {
    const key = await TestIssuer.newKey(alg);
    this.#keys = [key];
    return key.kid;
  }

  static async newKey(alg: 'RS256' | 'ES256', kid = `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 10)}`): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    return { kid, alg, privateKey, publicJwk: await exportJWK(publicKey) };
  }

  /** The public key of the current signing key, as a JWK (what an attacker can read too). */
  publicJwk(): JWK {
    return this.#keys.at(-1)!.publicJwk;
  }

  /** A token from this issuer for `umca`, valid for an hour, unless `claims`/`options` say otherwise. */
  async token(claims: JWTPayload = {}, options: { key?: SigningKey; kid?: string; issuer?: string; audience?: string; expiresAt?: number; notBefore?: number } = {}): Promise<string> {
    const key = options.key ?? this.#keys.at(-1)!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: 'alice', ...claims })
      .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? 'umca')
      .setIssuedAt(now)
      .setNotBefore(options.notBefore ?? now - 5)
      .setExpirationTime(options.expiresAt ?? now + 3_600)
      .sign(key.privateKey);
  }

  async close(): Promise<void> {
    (this.#server as unknown as { closeAllConnections(): void }).closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The sign-in page, approving at once: back to the client with a code bound to its PKCE challenge. */
  #authorize(req: IncomingMessage, res: ServerResponse): void {
    const query = new URL(req.url!, this.url).searchParams;
    const redirectUri = query.get('redirect_uri') ?? '';
    if (query.get('response_type') !== 'code' || query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) {
      res.statusCode = 400;
      return void res.end('authorization code flow with PKCE (S256) only');
    }
    const code = randomBytes(16).toString('hex');
    this.#codes.set(code, { challenge: query.get('code_challenge')!, clientId: query.get('client_id') ?? '', redirectUri });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', query.get('state') ?? '');
    res.statusCode = 302;
    res.setHeader('location', back.toString());
    res.end();
  }

  async #token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const grant = this.#codes.get(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const reply = (status: number, payload: unknown) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(payload));
    };
    if (!grant || form.get('grant_type') !== 'authorization_code' || form.get('redirect_uri') !== grant.redirectUri) return reply(400, { error: 'invalid_grant' });
    if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return reply(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    this.#codes.delete(form.get('code')!);
    const accessToken = await this.token({ sub: this.signInAs.sub, ...this.signInAs.claims });
    const idToken = await this.token({ sub: this.signInAs.sub }, { audience: grant.clientId });
    reply(200, { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: 3_600 });
  }
}
