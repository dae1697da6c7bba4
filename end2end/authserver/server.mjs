// A real OAuth 2.0 / OpenID Connect authorization server (oidc-provider) on
// loopback, standing in for Microsoft's or Google's in Tayori's tests. Its
// devInteractions pages take any login and password and ask for consent,
// so the browser suite walks the real flow. Started by scripts/mailstack.sh.
//
// Two clients: Tayori (authorization code + refresh token, PKCE required,
// refresh tokens rotated with reuse detection as Microsoft does) and the
// mail server, which only introspects the tokens Tayori presents to it.
// A login without "@" is a user of OAUTH_DOMAIN.
import Provider from 'oidc-provider';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(`authserver: ${name} is not set`);
    process.exit(2);
  }
  return value;
};
const port = Number(env('OAUTH_PORT'));
const domain = env('OAUTH_DOMAIN', 'example.test');
const issuer = `http://127.0.0.1:${port}`;
const SHORT_TTL = 6;
const mailbox = (login) => (login.includes('@') ? login : `${login}@${domain}`).toLowerCase();

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('OAUTH_CLIENT_ID'),
      client_secret: env('OAUTH_CLIENT_SECRET'),
      // Native: any loopback port is accepted (RFC 8252), so every test
      // server may use its own port with the one registered URI.
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/oauth/callback', 'http://localhost/oauth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: env('OAUTH_MAILSERVER_ID'),
      client_secret: env('OAUTH_MAILSERVER_SECRET'),
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // `short-lived`: access tokens asked with it live SHORT_TTL seconds, so
  // a test sees a token really expire at the mail server and refreshed.
  scopes: ['openid', 'offline_access', 'email', 'mail', 'short-lived'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  async findAccount(_ctx, id) {
    return { accountId: id, claims: async () => ({ sub: id, email: mailbox(id), email_verified: true }) };
  },
  // The ID token names the mailbox, as Google's and Microsoft's do.
  conformIdTokenClaims: false,
  // The mail server reads the mailbox name from introspection.
  extraTokenClaims: async (_ctx, token) => ({ email: mailbox(token.accountId) }),
  features: {
    devInteractions: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
  pkce: { required: () => true },
  rotateRefreshToken: () => true,
  ttl: {
    AccessToken: (_ctx, token) =>
      String(token.scope ?? '').split(' ').includes('short-lived')
        ? SHORT_TTL
        : Number(env('OAUTH_ACCESS_TTL', '3600')),
    RefreshToken: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 3600,
    AuthorizationCode: 120,
  },
  cookies: { keys: [env('OAUTH_COOKIE_KEY', 'tayori-test-authserver')] },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

// What an administrator's "revoke sessions" does at a real provider (Entra
// ID, Google Workspace): every grant of a user ends, with its tokens. The
// browser tests end a mailbox's sign-ins with POST /test/end-grants?login=…
// (this server listens on loopback only).
const grantsOf = new Map();
provider.on('grant.success', (ctx) => {
  const { Grant } = ctx.oidc.entities;
  if (!Grant?.accountId) return;
  const key = mailbox(Grant.accountId);
  if (!grantsOf.has(key)) grantsOf.set(key, new Set());
  grantsOf.get(key).add(Grant.jti);
});
provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || ctx.path !== '/test/end-grants') return next();
  const key = mailbox(String(ctx.query.login ?? ''));
  const ids = [...(grantsOf.get(key) ?? [])];
  for (const id of ids) {
    await Promise.all([provider.AccessToken, provider.RefreshToken, provider.AuthorizationCode].map((m) => m.revokeByGrantId(id)));
    await provider.Grant.adapter.destroy(id);
  }
  grantsOf.delete(key);
  console.log(`ended ${ids.length} grants of ${key}`);
  ctx.status = 200;
  ctx.body = { ended: ids.length };
});
provider.on('grant.revoked', (_ctx, grantId) => console.log('grant revoked', grantId));
provider.on('refresh_token.consumed', () => console.log('refresh token consumed'));
provider.listen(port, '127.0.0.1', () => console.log(`authserver: ${issuer}`));
