import { createServer, type Server } from 'node:http';
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
 * foreign issuer, unknown kid...). It stands in for Keycloak and speaks the same protocol.
 */
export class TestIssuer {
  readonly #server: Server;
  #keys: SigningKey[] = [];
  jwksFetches = 0;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      if (req.url === '/realms/umca/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: this.issuer, jwks_uri: this.jwksUri }));
        return;
      }
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
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
