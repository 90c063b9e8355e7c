// Test identity provider for tokenlab: an oidc-provider instance shaped like a platform
// instance's identity service (issuer `{base}/id`, IdentityServer-style `/connect/*` routes),
// plus a small OData-like resource server at `/api/domain/odata/` in the same process, and the
// same API behind jose-based Node middleware at `/jose/api/domain/odata/` (its 401s carry jose's
// own error messages). Both answer `Systems_Security_Users` with a 403 (authenticated, not
// allowed), an unknown entity set with a 404 and a bad `$filter` with a 500 business error.
//
// Usage: node server.mjs [CONFIG.json]   (or TOKENLAB_IDP_CONFIG=CONFIG.json node server.mjs)
// Without a config it runs with the demo clients below (IDP_PORT picks the port).
// Prints exactly one line `READY http://127.0.0.1:PORT` on stdout once it accepts requests.
// Test only: it binds to 127.0.0.1, keeps everything in memory and has /test/* backdoors.

import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';

import * as jose from 'jose';

// oidc-provider prints development notices (unsupported runtime on Node 20, in-memory adapter,
// ...) through console.info/warn; stdout must carry only the READY line. IDP_VERBOSE=1 keeps them.
if (!process.env.IDP_VERBOSE) {
  for (const level of ['info', 'warn']) {
    const original = console[level].bind(console);
    console[level] = (...args) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
      original(...args);
    };
  }
}
// Imported after the console filter because the runtime warning fires at import time.
const { default: Provider, errors: oidcErrors } = await import('oidc-provider');

// Without a config file: fixed, well-known demo values for trying tokenlab by hand.
function demoConfig() {
  const secret = 'demo-secret';
  const service = (clientId, method, scope = 'read update') => ({
    client_id: clientId,
    client_secret: secret,
    token_endpoint_auth_method: method,
    scope,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  });
  const interactive = {
    application_type: 'native', // RFC 8252: any loopback port
    redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
    post_logout_redirect_uris: ['http://127.0.0.1/signed-out'],
  };
  return {
    port: Number(process.env.IDP_PORT ?? 0),
    user: { username: 'demo', password: 'demo', sub: 'demo-user', name: 'Demo User', email: 'demo@example.test' },
    clients: [
      service('com.demo/service', 'client_secret_basic'),
      service('com.demo/service-post', 'client_secret_post'),
      service('com.demo/readonly', 'client_secret_basic', 'read'),
      {
        ...interactive,
        client_id: 'com.demo/web',
        client_secret: secret,
        scope: 'openid profile offline_access read update',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code', 'code id_token'],
      },
      {
        ...interactive,
        client_id: 'com.demo/spa',
        token_endpoint_auth_method: 'none',
        scope: 'openid profile read update',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: 'com.demo/device',
        token_endpoint_auth_method: 'none',
        scope: 'openid profile offline_access read update',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    reference_tokens: {
      valid: [{ token: 'enrt_demo_valid', scopes: ['read', 'update'] }],
      revoked: ['enrt_demo_revoked'],
    },
  };
}

const configPath = process.argv[2] || process.env.TOKENLAB_IDP_CONFIG;
const cfg = configPath ? JSON.parse(readFileSync(configPath, 'utf8')) : demoConfig();

const HOST = '127.0.0.1'; // never listen beyond loopback
const user = cfg.user;
// `require_kid` is ours, not client metadata: the provider would refuse an unknown property.
const clients = cfg.clients.map(({ require_kid: _, ...metadata }) => metadata);
const kidRequired = new Set(cfg.clients.filter((c) => c.require_kid).map((c) => c.client_id));
const validReferenceTokens = new Map(
  (cfg.reference_tokens?.valid ?? []).map((t) => [t.token, t]),
);
const revokedReferenceTokens = new Set(cfg.reference_tokens?.revoked ?? []);
const audience = cfg.audience ?? 'DomainAPI';
const apiScopes = ['read', 'update'];
const ttl = {
  accessToken: cfg.access_token_ttl ?? 3600,
  deviceCode: cfg.device_code_ttl ?? 120,
  deviceInterval: cfg.device_interval ?? 1,
};

// --- small helpers ---------------------------------------------------------------------------

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res, status, body, headers = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

function sendHtml(res, status, body) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

// Plain pages without external fonts or scripts; every submit button sits inside its form so a
// scripted client (tests/idp/interact.py) can fill and submit them like a browser would.
const page = (title, inner) => `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>
${inner}
</body></html>`;
const errorPage = (message) => page('Error', `<p class="error">${escapeHtml(message)}</p>`);

// --- keys --------------------------------------------------------------------------------------

// A fresh RS256 signing key per run: tests read it from the JWKS, never from disk.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: crypto.randomBytes(8).toString('hex'),
  use: 'sig',
  alg: 'RS256',
};
const { d, p, q, dp, dq, qi, ...publicJwk } = signingJwk; // eslint-disable-line no-unused-vars
const localJwks = jose.createLocalJWKSet({ keys: [publicJwk] });

// A second key, never published: made on first use so start-up does not pay for it.
let unpublished;
function unpublishedKey() {
  unpublished ??= [crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, `unpublished-${crypto.randomBytes(4).toString('hex')}`];
  return unpublished;
}

// --- token request log (which client auth method was really used) -----------------------------

const tokenRequests = [];
const TOKEN_LOG_MAX = 200;

// The provider accepts client_secret_basic and client_secret_post interchangeably, so the
// registered method says nothing about what a client sent. Derive it from the request itself.
// Only names are recorded, never secret or assertion values.
function usedAuthMethod(ctx) {
  const body = ctx.oidc?.body ?? {};
  const authorization = ctx.get('authorization');
  if (/^basic /i.test(authorization)) return 'client_secret_basic';
  if (body.client_assertion) {
    try {
      const { alg } = jose.decodeProtectedHeader(body.client_assertion);
      return alg?.startsWith('HS') ? 'client_secret_jwt' : 'private_key_jwt';
    } catch {
      return 'malformed_client_assertion';
    }
  }
  if (body.client_secret !== undefined) return 'client_secret_post';
  return 'none';
}

// What a client assertion's header and claims say about addressing (never its signature):
// recorded so tests can see the kid and aud tokenlab sent.
function assertionFacts(assertion) {
  if (!assertion) return { assertion_kid: null, assertion_aud: null };
  try {
    const { kid } = jose.decodeProtectedHeader(assertion);
    const { aud, sub } = jose.decodeJwt(assertion);
    return { assertion_kid: kid ?? null, assertion_aud: aud ?? null, assertion_sub: sub ?? null };
  } catch {
    return { assertion_kid: null, assertion_aud: null };
  }
}

// A client registered with `require_kid` sits behind a gateway that routes its assertions by
// `kid` (as many providers pick the client's key by it): without one, an empty 403, which is how
// such a refusal looks from outside. With a kid the provider picks the key from the client's
// JWKS (two keys, so a wrong kid is refused as invalid_client).
function refusesWithoutKid(req) {
  const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
  const facts = assertionFacts(form.get('client_assertion'));
  const clientId = form.get('client_id') || facts.assertion_sub;
  if (!kidRequired.has(clientId) || !form.get('client_assertion') || facts.assertion_kid) return false;
  tokenRequests.push({
    time: new Date().toISOString(),
    client_id: clientId,
    grant_type: form.get('grant_type'),
    auth_method: 'private_key_jwt',
    status: 403,
    error: null,
    assertion_kid: null,
    assertion_aud: facts.assertion_aud,
  });
  return true;
}

// --- server: listen first, so the issuer can carry the real port ------------------------------

const server = http.createServer();
server.listen(cfg.port ?? 0, HOST, () => {
  const base = `http://${HOST}:${server.address().port}`;
  const provider = buildProvider(base);
  const handleOidc = provider.callback();
  server.on('request', (req, res) => {
    route(provider, handleOidc, base, req, res).catch((err) => {
      console.error(err);
      if (!res.headersSent) sendJson(res, 500, { message: String(err), code: 'internal', type: 'Error', info: '' });
      else res.end();
    });
  });
  process.stdout.write(`READY ${base}\n`);
});

function buildProvider(base) {
  const issuer = `${base}/id`;
  const apiUrl = `${base}/api/domain/odata/`;

  const configuration = {
    clients,
    jwks: { keys: [signingJwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    scopes: ['openid', 'profile', 'offline_access', ...apiScopes],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'email', 'email_verified', 'locale'],
    },
    // Same paths as the platform's IdentityServer, so URLs look like the real thing.
    routes: {
      authorization: '/connect/authorize',
      token: '/connect/token',
      end_session: '/connect/endsession',
      userinfo: '/connect/userinfo',
      introspection: '/connect/introspect',
      revocation: '/connect/revocation',
      device_authorization: '/connect/deviceauthorization',
      code_verification: '/device',
      jwks: '/.well-known/openid-configuration/jwks',
    },
    pkce: { required: () => true }, // S256 only is the provider's default method set
    responseTypes: ['code', 'code id_token'],
    features: {
      devInteractions: { enabled: false }, // our own sign-in/consent pages below check passwords
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Sign out', `${form.replace('</form>', '<button type="submit" name="logout" value="yes">Yes, sign me out</button></form>')}`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Signed out', '<p>You are signed out.</p>');
        },
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx, form, out, err) => {
          let msg = '';
          if (err?.name === 'AbortedError') msg = '<p class="error aborted">The sign-in request was aborted.</p>';
          else if (err?.userCode || err?.name === 'NoCodeError') msg = '<p class="error">The code you entered is incorrect or expired.</p>';
          else if (err) msg = '<p class="error">There was an error processing your request.</p>';
          ctx.body = page('Enter device code', `${msg}${form.replace('</form>', '<button type="submit">Continue</button></form>')}`);
        },
        userCodeConfirmSource: async (ctx, form, client, deviceInfo, userCode) => {
          const buttons = '<button type="submit">Continue</button><button type="submit" name="abort" value="yes">Abort</button>';
          ctx.body = page('Confirm device', `<p>${escapeHtml(client.clientId)} shows the code <code>${escapeHtml(userCode)}</code></p>${form.replace('</form>', `${buttons}</form>`)}`);
        },
        successSource: async (ctx) => {
          ctx.body = page('Device approved', '<p>Sign-in successful. You can close this page.</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        // Platform clients never send `resource`: every token is for the domain API.
        defaultResource: async () => apiUrl,
        // Without this, code-flow tokens with `openid` would be opaque userinfo tokens.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resourceIndicator) => {
          if (resourceIndicator !== apiUrl) throw new oidcErrors.InvalidTarget();
          return {
            scope: apiScopes.join(' '),
            audience,
            accessTokenTTL: ttl.accessToken,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // Refresh tokens only when offline_access was granted to a client allowed refresh_token,
    // and a new one on every refresh (the platform rotates), which makes the old one invalid.
    issueRefreshToken: async (ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    rotateRefreshToken: true,
    extraTokenClaims: async (ctx, token) => {
      if (token.kind === 'ClientCredentials') {
        return {
          client_db: cfg.db ?? 'test',
          client_system_user: cfg.system_user ?? 'TestSystemUser',
          client_system_user_type: 'Internal',
          client_system_user_id: '00000000-0000-0000-0000-000000000001',
        };
      }
      if (token.kind === 'AccessToken' && token.accountId === user.sub) {
        return {
          id: user.sub,
          name: user.name,
          email: user.email,
          email_verified: true,
          locale: 'en',
          user_type: 'Internal',
          is_admin: false,
          db: cfg.db ?? 'test',
        };
      }
      return undefined;
    },
    formats: {
      customizers: {
        // The platform's tokens carry `scope` as an array and an `nbf`.
        jwt: async (ctx, token, jwt) => {
          const { payload } = jwt;
          payload.nbf = payload.iat;
          if (typeof payload.scope === 'string') payload.scope = payload.scope.split(' ');
        },
      },
    },
    findAccount: async (ctx, sub) => {
      if (sub !== user.sub) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          name: user.name,
          preferred_username: user.username,
          email: user.email,
          email_verified: true,
          locale: 'en',
        }),
      };
    },
    interactions: {
      url: async (ctx, interaction) => `/id/interaction/${interaction.uid}`,
    },
    ttl: {
      AccessToken: () => ttl.accessToken,
      ClientCredentials: () => ttl.accessToken,
      AuthorizationCode: 60,
      IdToken: 300,
      DeviceCode: () => ttl.deviceCode,
      RefreshToken: (ctx, token, client) =>
        client.clientAuthMethod === 'none' ? 24 * 3600 : 30 * 24 * 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 30 * 24 * 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', Object.entries(out)
        .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: <span class="${escapeHtml(k)}">${escapeHtml(v)}</span></p>`)
        .join(''));
    },
  };

  const provider = new Provider(issuer, configuration);
  // Loopback over plain http: there is no TLS proxy in front.
  provider.proxy = false;

  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'token') {
      // RFC 6749 5.2 (and the platform) call a grant the client may not use unauthorized_client.
      if (ctx.body?.error === 'invalid_request' && /grant type is not allowed/.test(ctx.body.error_description)) {
        ctx.body.error = 'unauthorized_client';
      }
      const body = ctx.oidc.body ?? {};
      tokenRequests.push({
        time: new Date().toISOString(),
        client_id: ctx.oidc.client?.clientId ?? body.client_id ?? null,
        grant_type: body.grant_type ?? null,
        auth_method: usedAuthMethod(ctx),
        status: ctx.status,
        error: ctx.body?.error ?? null,
        ...(({ assertion_kid, assertion_aud }) => ({ assertion_kid, assertion_aud }))(
          assertionFacts(body.client_assertion),
        ),
      });
      if (tokenRequests.length > TOKEN_LOG_MAX) tokenRequests.shift();
    } else if (route === 'device_authorization' && ctx.status === 200 && ctx.body) {
      // oidc-provider leaves out `interval` (clients then default to 5 s); tests poll faster.
      ctx.body.interval = ttl.deviceInterval;
    }
  });

  return provider;
}

// --- request routing ---------------------------------------------------------------------------

async function route(provider, handleOidc, base, req, res) {
  const url = new URL(req.url, base);
  const { pathname } = url;

  if (pathname.startsWith('/id/interaction/')) return interaction(provider, req, res, pathname);
  if (pathname === '/id/connect/userinfo') return userinfo(provider, req, res);

  if (pathname === '/id' || pathname.startsWith('/id/')) {
    // Mount the provider under its issuer path: it routes on the stripped URL and rebuilds
    // absolute URLs from originalUrl (see oidc-provider's "mounting" docs).
    if (req.method === 'GET' && pathname === '/id/connect/authorize') keepOfflineAccess(url.searchParams);
    if (req.method === 'POST' && pathname === '/id/connect/deviceauthorization') {
      await rewriteForm(req, keepOfflineAccess);
    }
    if (req.method === 'POST' && pathname === '/id/connect/token') {
      await rewriteForm(req, defaultClientScope);
      if (refusesWithoutKid(req)) {
        res.writeHead(403, { 'Content-Length': 0 }).end();
        return undefined;
      }
    }
    req.originalUrl = `${url.pathname}${url.search}`;
    req.url = req.originalUrl.slice(3) || '/';
    return handleOidc(req, res);
  }

  if (pathname.startsWith('/api/domain/odata/') || pathname === '/api/domain/odata') {
    return api(provider, base, req, res, url);
  }
  if (pathname.startsWith(JOSE_ROOT)) return joseApi(provider, base, req, res, url);

  if (pathname === '/sys/auto-discovery' || pathname === '/tools/auto-discovery') {
    return sendJson(res, 200, {
      WebSites: [
        { Type: 'ID', Url: `${base}/id` },
        { Type: 'DomainAPI', Url: `${base}/api/domain/`, AdditionalProperties: { ODataServiceRoot: `${base}/api/domain/odata/` } },
      ],
    });
  }

  if (pathname === '/test/token-requests') {
    if (req.method === 'DELETE') {
      tokenRequests.length = 0;
      res.writeHead(204).end();
      return undefined;
    }
    return sendJson(res, 200, tokenRequests);
  }

  if (pathname === '/test/mint-token' && req.method === 'POST') {
    return mintToken(provider, base, req, res);
  }

  return sendJson(res, 404, { message: `no route for ${pathname}`, code: 'not_found', type: 'NotFound', info: '' });
}

// Lets a handler edit a form-encoded request body before the provider reads it (the provider
// falls back to req.body when the stream has already been consumed).
async function rewriteForm(req, edit) {
  if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) return;
  const form = new URLSearchParams(await readBody(req));
  edit(form, req);
  req.body = form.toString();
}

// oidc-provider drops a requested offline_access unless prompt contains consent (OIDC Core
// 11); the platform (IdentityServer) issues refresh tokens without it. Asking for consent
// keeps the scope, and our consent page grants it.
function keepOfflineAccess(params) {
  if (!(params.get('scope') ?? '').split(' ').includes('offline_access')) return;
  const prompt = (params.get('prompt') ?? '').split(' ').filter(Boolean);
  if (prompt.includes('consent') || prompt.includes('none')) return;
  params.set('prompt', [...prompt, 'consent'].join(' '));
}

// The platform gives a client_credentials request without `scope` every scope the Trusted
// Application allows; oidc-provider would issue a scope-less token.
function defaultClientScope(form, req) {
  if (form.get('grant_type') !== 'client_credentials' || form.has('scope')) return;
  let clientId = form.get('client_id');
  const basic = /^Basic +(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
  if (!clientId && basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    try { clientId = decodeURIComponent(decoded.split(':')[0].replace(/\+/g, ' ')); } catch { return; }
  }
  if (!clientId && form.get('client_assertion')) {
    try { clientId = jose.decodeJwt(form.get('client_assertion')).sub; } catch { return; }
  }
  const allowed = clients.find((c) => c.client_id === clientId)?.scope;
  if (!allowed) return;
  form.set('scope', allowed.split(' ').filter((s) => apiScopes.includes(s)).join(' '));
}

// --- sign-in and consent ----------------------------------------------------------------------

function loginPage(uid, details, error) {
  const err = error ? `<p class="error">${escapeHtml(error)}</p>` : '';
  return page('Sign in', `${err}<p>Client: <code>${escapeHtml(details.params.client_id)}</code></p>
<form method="post" action="/id/interaction/${uid}/login">
  <input type="text" name="username" autocomplete="username">
  <input type="password" name="password" autocomplete="current-password">
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/id/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`);
}

function consentPage(uid, details) {
  const scopes = escapeHtml(details.params.scope ?? '');
  return page('Consent', `<p><code>${escapeHtml(details.params.client_id)}</code> asks for: <span class="scopes">${scopes}</span></p>
<form method="post" action="/id/interaction/${uid}/confirm">
  <button type="submit" name="decision" value="allow">Allow</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form>`);
}

async function interaction(provider, req, res, pathname) {
  const [, , , uid, action] = pathname.split('/'); // /id/interaction/:uid[/:action]
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    return sendHtml(res, 400, errorPage(err.message));
  }
  if (details.uid !== uid) return sendHtml(res, 400, errorPage('interaction mismatch'));
  const promptName = details.prompt.name;

  if (req.method === 'GET' && !action) {
    return sendHtml(res, 200, promptName === 'login' ? loginPage(uid, details) : consentPage(uid, details));
  }
  if (req.method !== 'POST') return sendHtml(res, 405, page('Error', '<p>method not allowed</p>'));
  const form = new URLSearchParams(await readBody(req));

  if (action === 'login' && promptName === 'login') {
    if (form.get('username') !== user.username || form.get('password') !== user.password) {
      return sendHtml(res, 200, loginPage(uid, details, 'Invalid username or password.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }

  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted the sign-in',
    }, { mergeWithLastSubmission: false });
  }

  if (action === 'confirm' && promptName === 'consent') {
    if (form.get('decision') !== 'allow') {
      return provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'End-User denied the consent',
      }, { mergeWithLastSubmission: false });
    }
    // Grant exactly what the provider says is missing: OIDC scopes (incl. offline_access),
    // claims and the API scopes for the resource indicator.
    const { accountId } = details.session;
    const clientId = details.params.client_id;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return sendHtml(res, 400, errorPage(`unexpected ${action} for prompt ${promptName}`));
}

// --- resource server ---------------------------------------------------------------------------

const customers = [
  { Id: '6f1f0a52-0000-4000-8000-000000000001', Number: 'C0001', Name: 'Acme Ltd', Active: true },
  { Id: '6f1f0a52-0000-4000-8000-000000000002', Number: 'C0002', Name: 'Globex Corp', Active: true },
  { Id: '6f1f0a52-0000-4000-8000-000000000003', Number: 'C0003', Name: 'Initech', Active: false },
];
const entitySets = { Crm_Sales_Customers: customers };
// An entity set no client of this provider may read: a 403 for a token that passed every check.
const FORBIDDEN_SET = 'Systems_Security_Users';
const FILTER = /^\s*(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(-?\d+)|(true|false))\s*$/;

const REALM = 'DomainAPI';
const ODATA_ROOT = '/api/domain/odata/';
// The same API behind jose-based Node middleware (express-oauth2-jwt-bearer style).
const JOSE_ROOT = '/jose/api/domain/odata/';

// RFC 6750 WWW-Authenticate; no error code when the request simply had no credentials.
function bearerChallenge(error, description, scope) {
  let challenge = `Bearer realm="${REALM}"`;
  if (error) challenge += `, error="${error}"`;
  if (description !== undefined) challenge += `, error_description="${description.replace(/"/g, "'")}"`;
  if (scope) challenge += `, scope="${scope}"`;
  return { 'WWW-Authenticate': challenge };
}

function unauthorized(res, description) {
  return sendJson(res, 401, {
    error: description === undefined ? undefined : 'invalid_token',
    error_description: description ?? 'Authorization required',
  }, bearerChallenge(description === undefined ? undefined : 'invalid_token', description));
}

const bearerToken = (req) => /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];

// An access token signed by this provider; `audience` only where the API needs it.
async function verifyAccessToken(provider, token, extra = {}) {
  const { payload } = await jose.jwtVerify(token, localJwks, {
    issuer: provider.issuer, typ: 'at+jwt', algorithms: ['RS256'], ...extra,
  });
  return payload;
}

function describeJwtError(err, issuer) {
  const claim = err.claim;
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      return `The access token expired at ${new Date(err.payload.exp * 1000).toISOString()}`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'The access token signature is invalid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'The access token is signed with a key this instance does not know';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'iss') return `The issuer "${err.payload.iss}" is not this instance's authority "${issuer}"`;
      if (claim === 'aud') return `The audience ${JSON.stringify(err.payload.aud)} is invalid; expected "${audience}"`;
      if (claim === 'nbf') return 'The access token is not yet valid';
      if (claim === 'typ') return 'The token is not an access token (typ must be at+jwt)';
      return `The access token claim "${claim}" is invalid`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'The access token signing algorithm is not allowed';
    default:
      return 'The access token is malformed';
  }
}

const requiredScope = (method) => (['GET', 'HEAD'].includes(method) ? 'read' : 'update');
const scopesOf = (payload) => (Array.isArray(payload.scope) ? payload.scope : String(payload.scope ?? '').split(' '));
const subjectOf = (payload) => String(payload.client_system_user ?? payload.sub ?? payload.client_id ?? '');

// The platform-shaped API: its own words for each refusal, reference tokens in either header.
async function api(provider, base, req, res, url) {
  const apiKey = req.headers['x-api-key'];
  const authorization = req.headers.authorization;
  if (apiKey && authorization) {
    const description = 'Send either Authorization or X-Api-Key, not both';
    return sendJson(res, 400, { error: 'invalid_request', error_description: description },
      bearerChallenge('invalid_request', description));
  }
  const token = apiKey ?? bearerToken(req);
  if (!token) return unauthorized(res);

  let scopes;
  let subject;
  if (token.startsWith('enrt_')) {
    // Reference tokens are opaque: look them up, never parse them.
    if (revokedReferenceTokens.has(token)) return unauthorized(res, 'The reference token has been revoked');
    const ref = validReferenceTokens.get(token);
    if (!ref) return unauthorized(res, 'The reference token is unknown');
    scopes = ref.scopes ?? apiScopes;
    subject = user.username;
  } else if (apiKey) {
    return unauthorized(res, 'X-Api-Key accepts reference tokens (enrt_...) only');
  } else {
    try {
      const payload = await verifyAccessToken(provider, token, { audience });
      scopes = scopesOf(payload);
      subject = subjectOf(payload);
    } catch (err) {
      // jwtVerify checks the signature before claims, so a forged token never reports claims.
      return unauthorized(res, describeJwtError(err, provider.issuer));
    }
  }

  const needed = requiredScope(req.method);
  if (!scopes.includes(needed)) {
    const description = `The token lacks the "${needed}" scope`;
    return sendJson(res, 403, { error: 'insufficient_scope', error_description: description, scope: needed },
      bearerChallenge('insufficient_scope', description, needed));
  }
  return serveData(req, res, url, `${base}${ODATA_ROOT}`, subject);
}

// jose-based Node middleware: the 401 reports the message of the error jose threw, JSON-quoted
// as express-oauth2-jwt-bearer writes it; it knows no reference tokens and no X-Api-Key.
function joseChallenge(error, description, scope) {
  let challenge = 'Bearer realm="api"';
  if (error) challenge += `, error="${error}", error_description=${JSON.stringify(description)}`;
  if (scope) challenge += `, scope="${scope}"`;
  return { 'WWW-Authenticate': challenge };
}

async function joseApi(provider, base, req, res, url) {
  const token = bearerToken(req);
  if (!token) {
    return sendJson(res, 401, { error: 'unauthorized', error_description: 'Unauthorized' }, joseChallenge());
  }
  let payload;
  try {
    ({ payload } = await jose.jwtVerify(token, localJwks, {
      issuer: provider.issuer, audience, typ: 'at+jwt', algorithms: ['RS256'], clockTolerance: 5,
    }));
  } catch (err) {
    return sendJson(res, 401, { error: 'invalid_token', error_description: err.message },
      joseChallenge('invalid_token', err.message));
  }
  const needed = requiredScope(req.method);
  if (!scopesOf(payload).includes(needed)) {
    return sendJson(res, 403, { error: 'insufficient_scope', error_description: 'Insufficient Scope' },
      joseChallenge('insufficient_scope', 'Insufficient Scope', needed));
  }
  return serveData(req, res, url, `${base}${JOSE_ROOT}`, subjectOf(payload));
}

// Business errors in the platform's shape: the token was accepted, the request failed.
const businessError = (res, status, message, code, type, info = '') => sendJson(res, status, { message, code, type, info });

// The data behind both APIs, once the token was accepted.
async function serveData(req, res, url, root, subject) {
  const setName = decodeURIComponent(url.pathname.slice(new URL(root).pathname.length).split('/')[0].replace(/\(.*$/, ''));
  if (!setName) {
    return sendJson(res, 200, { '@odata.context': `${root}$metadata`, value: Object.keys(entitySets).map((name) => ({ name, kind: 'EntitySet', url: name })) });
  }
  if (setName === FORBIDDEN_SET) {
    return businessError(res, 403, `The user '${subject}' has no permission to read '${setName}'.`,
      'AccessDenied', 'System.UnauthorizedAccessException', `Grant the user's role the right to read ${setName}.`);
  }
  const rows = entitySets[setName];
  if (!rows) {
    return businessError(res, 404, `Entity set "${setName}" not found`, 'NotFound', 'NotFound');
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    let value = rows;
    const filter = url.searchParams.get('$filter');
    if (filter !== null) {
      const match = FILTER.exec(filter);
      if (!match || !(match[1] in rows[0])) {
        return businessError(res, 500, `Invalid $filter expression: ${filter}`, 'InvalidFilter',
          'Microsoft.OData.ODataException', "Supported here: Field eq 'text' | Field eq 123 | Field eq true");
      }
      const [, field, text, number, bool] = match;
      const wanted = text !== undefined ? text.replace(/''/g, "'") : number !== undefined ? Number(number) : bool === 'true';
      value = value.filter((row) => row[field] === wanted);
    }
    const top = Number.parseInt(url.searchParams.get('$top') ?? '', 10);
    if (Number.isInteger(top) && top >= 0) value = value.slice(0, top);
    return sendJson(res, 200, { '@odata.context': `${root}$metadata#${setName}`, value });
  }
  // Writes are accepted but not stored: tests only need to see that `update` was enforced.
  const body = await readBody(req);
  if (req.method === 'POST') {
    let entity = {};
    try { entity = body ? JSON.parse(body) : {}; } catch { /* keep empty */ }
    return sendJson(res, 201, { Id: crypto.randomUUID(), ...entity });
  }
  res.writeHead(204).end();
  return undefined;
}

// oidc-provider's userinfo only takes opaque tokens without an audience, but every token here is
// a JWT for the API (as on the platform, whose userinfo accepts them). Answer it ourselves.
async function userinfo(provider, req, res) {
  const token = bearerToken(req);
  if (!token) return unauthorized(res);
  let payload;
  try {
    payload = await verifyAccessToken(provider, token);
  } catch (err) {
    return unauthorized(res, describeJwtError(err, provider.issuer));
  }
  if (payload.sub !== user.sub) {
    return sendJson(res, 403, { error: 'insufficient_scope', error_description: 'The token has no user' },
      bearerChallenge('insufficient_scope', undefined, 'openid'));
  }
  return sendJson(res, 200, {
    sub: user.sub, name: user.name, preferred_username: user.username, email: user.email, email_verified: true, locale: 'en',
  });
}

// --- test backdoor: mint access tokens with arbitrary claims, signed by the provider's key -----

async function mintToken(provider, base, req, res) {
  let spec;
  try {
    spec = JSON.parse((await readBody(req)) || '{}');
  } catch {
    return sendJson(res, 400, { error: 'invalid_json' });
  }
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = spec.expires_in ?? 3600;
  const payload = {
    iss: provider.issuer,
    aud: audience,
    iat: now,
    nbf: now,
    exp: now + expiresIn,
    jti: crypto.randomBytes(12).toString('hex'),
    client_id: 'com.test/minted',
    sub: 'com.test/minted',
    scope: ['read'],
    ...(spec.claims ?? {}),
  };
  // Some tests need a claim to be absent rather than different.
  for (const name of spec.omit ?? []) delete payload[name];
  // `signed_by: "unpublished"`: a key the JWKS does not list (another authority, or a rotation).
  const [key, kid] = spec.signed_by === 'unpublished' ? unpublishedKey() : [privateKey, signingJwk.kid];
  const token = await new jose.SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: spec.typ ?? 'at+jwt', kid })
    .sign(key); // KeyObjects made once: no import per request
  return sendJson(res, 200, { access_token: token, claims: payload });
}

// Stop cleanly on the fixture's terminate.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
