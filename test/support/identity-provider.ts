// A real identity provider for the tests, as far as Baton sees one: signing keys made with jose, their public
// halves served as a JWKS over HTTP by this process, tokens signed with them, and the forgeries an attacker
// tries (alg none, HMAC with the public key, tampered payload, unknown kid, expired, wrong audience/issuer).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type KeyAlg = 'RS256' | 'ES256' | 'EdDSA';

interface SigningKey {
  kid: string;
  alg: KeyAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export interface TokenOptions {
  /** Default: the newest key. */
  kid?: string;
  sub?: string;
  tenant?: string;
  scope?: string;
  iss?: string;
  aud?: string;
  /** Seconds from now; negative for an expired token. Default 300. */
  expiresIn?: number;
  /** Seconds from now; default 0 (now). */
  notBefore?: number;
  /** Extra claims (they replace the defaults). */
  claims?: JWTPayload;
  /** Leave these standard claims out. */
  omit?: ('exp' | 'sub')[];
}

const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

export class TestIdentityProvider {
  readonly issuer: string;
  readonly audience = 'baton-api';
  private readonly keys: SigningKey[] = [];
  /** Every key, also those no longer published (a token signed with one has an unknown kid). */
  private readonly allKeys = new Map<string, SigningKey>();
  private server: Server | undefined;
  private url = '';
  /** How many times the JWKS was fetched: rotation and caching are observable. */
  fetches = 0;
  /** While set, the JWKS answers 503 (the provider is down). */
  down = false;
  // Made once each, on first use: an RSA key takes 100-300 ms to make, and the route-by-route cases sign
  // a dozen refused tokens for each of thirty routes. Each token is still signed afresh.
  private attackerKey: ReturnType<typeof generateKeyPair> | undefined;
  private unknownKey: Promise<string> | undefined;

  private constructor(issuer: string) {
    this.issuer = issuer;
  }

  static async start(options: { issuer?: string; algs?: KeyAlg[] } = {}): Promise<TestIdentityProvider> {
    const idp = new TestIdentityProvider(options.issuer ?? 'https://idp.test/');
    for (const alg of options.algs ?? ['RS256']) await idp.addKey(alg);
    idp.server = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      idp.fetches++;
      if (idp.down) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: idp.keys.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => idp.server?.listen(0, '127.0.0.1', resolve));
    idp.url = `http://127.0.0.1:${(idp.server.address() as AddressInfo).port}`;
    return idp;
  }

  get jwksUrl(): string {
    return `${this.url}/.well-known/jwks.json`;
  }

  /** A new key, published in the JWKS from now on; its kid is returned. */
  async addKey(alg: KeyAlg = 'RS256', kid = `key-${this.allKeys.size + 1}-${alg.toLowerCase()}`): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const key = { kid, alg, privateKey, publicKey, jwk };
    this.keys.push(key);
    this.allKeys.set(kid, key);
    return kid;
  }

  /** One unpublished key (`unpublishedKey`), the same each time: for tokens whose kid the JWKS does not know. */
  unknownKid(): Promise<string> {
    return (this.unknownKey ??= this.unpublishedKey());
  }

  /** A key made but never published: tokens it signs name a kid the JWKS does not have. */
  async unpublishedKey(alg: KeyAlg = 'RS256'): Promise<string> {
    const kid = await this.addKey(alg, `unpublished-${this.allKeys.size + 1}`);
    this.keys.splice(
      this.keys.findIndex((k) => k.kid === kid),
      1,
    );
    return kid;
  }

  /** Stops publishing a key (the end of a rotation). */
  retireKey(kid: string): void {
    const index = this.keys.findIndex((k) => k.kid === kid);
    if (index >= 0) this.keys.splice(index, 1);
  }

  private key(kid?: string): SigningKey {
    const key = kid ? this.allKeys.get(kid) : this.keys.at(-1);
    if (!key) throw new Error(`no key ${kid ?? '(newest)'}`);
    return key;
  }

  /** The payload a token of these options carries (for the forgeries built by hand). */
  payload(options: TokenOptions = {}): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: options.iss ?? this.issuer,
      aud: options.aud ?? this.audience,
      sub: options.sub ?? 'user-1',
      iat: now,
      nbf: now + (options.notBefore ?? 0),
      exp: now + (options.expiresIn ?? 300),
      ...(options.tenant !== undefined && { tenant: options.tenant }),
      ...(options.scope !== undefined && { scope: options.scope }),
      ...options.claims,
    };
    for (const claim of options.omit ?? []) delete payload[claim];
    return payload;
  }

  /** A token the provider really signed. */
  async token(options: TokenOptions = {}): Promise<string> {
    const key = this.key(options.kid);
    return new SignJWT(this.payload(options)).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  /** `alg: none`, no signature, naming a published kid. */
  unsignedToken(options: TokenOptions = {}): string {
    const header = { alg: 'none', typ: 'JWT', kid: this.key(options.kid).kid };
    return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(this.payload(options)))}.`;
  }

  /** HS256 keyed with the published public key (PEM): the classic confusion attack on RSA verifiers. */
  async hmacWithPublicKey(options: TokenOptions = {}): Promise<string> {
    const key = this.key(options.kid);
    const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
    return new SignJWT(this.payload(options)).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' }).sign(secret);
  }

  /**
   * Signed with the attacker's own key, which the header carries (`jwk`) or points at (`jku`), with a kid the
   * provider publishes: a verifier that trusts the header's key would accept it.
   */
  async selfSignedToken(options: TokenOptions = {}, via: 'jwk' | 'jku' = 'jwk'): Promise<string> {
    const { privateKey, publicKey } = await (this.attackerKey ??= generateKeyPair('RS256', { extractable: true }));
    const jwk = await exportJWK(publicKey);
    const kid = this.key(options.kid).kid;
    const header = via === 'jwk' ? { alg: 'RS256', kid, jwk } : { alg: 'RS256', kid, jku: 'https://evil.test/jwks.json' };
    return new SignJWT(this.payload(options)).setProtectedHeader(header).sign(privateKey);
  }

  /** A genuine token whose payload was changed afterwards (more scopes, another tenant), signature kept. */
  async tamperedToken(
    options: TokenOptions = {},
    changes: JWTPayload = { scope: 'orders:read orders:write operator codec', tenant: 'someone-else' },
  ): Promise<string> {
    const [header, payload, signature] = (await this.token(options)).split('.') as [string, string, string];
    const claims = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload), ...changes };
    return `${header}.${b64url(JSON.stringify(claims))}.${signature}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/** Every forgery and every token a check must refuse, with what it tests; all for the given scope. */
export async function refusedTokens(idp: TestIdentityProvider, scope: string): Promise<[string, string][]> {
  const unknownKid = await idp.unknownKid();
  return [
    ['an expired token (past the clock tolerance)', await idp.token({ scope, expiresIn: -3600 })],
    ['a token for another audience', await idp.token({ scope, aud: 'another-api' })],
    ['a token from another issuer', await idp.token({ scope, iss: 'https://evil.test/' })],
    ['a token signed with a key the JWKS does not publish (unknown kid)', await idp.token({ scope, kid: unknownKid })],
    ['an alg:none token', idp.unsignedToken({ scope })],
    ['a tampered payload', await idp.tamperedToken({ scope })],
    ['a token signed with the attacker’s key carried in its jwk header', await idp.selfSignedToken({ scope }, 'jwk')],
    ['a token signed with the attacker’s key behind its jku header', await idp.selfSignedToken({ scope }, 'jku')],
    ['an HS256 token keyed with the public key', await idp.hmacWithPublicKey({ scope })],
    ['a token not valid yet', await idp.token({ scope, notBefore: 3600 })],
    ['a token without an expiry', await idp.token({ scope, omit: ['exp'] })],
    ['a token without a subject', await idp.token({ scope, omit: ['sub'] })],
    ['a JWT-shaped string that is no JWT', 'bm90LWpzb24.bm90IGpzb24.c2ln'],
  ];
}
