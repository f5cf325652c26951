// A real OpenID provider for the browser tests: the certified `oidc-provider` package (installed
// by `cargo xtask test` into target/, its path in OIDC_PROVIDER_MODULE), on 127.0.0.1.
//
// Its development sign-in form accepts any login; the login is the account. Each account's
// e-mail address is `{login}@example.org` and its groups are those OIDC_GROUPS gives it (JSON,
// login -> list). Consent is given on the user's behalf, as a company's own provider does for its
// own applications. Prints "listening" once it serves discovery.
import { pathToFileURL } from 'node:url';

const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);
const port = Number(process.env.OIDC_PORT);
const client = JSON.parse(process.env.OIDC_CLIENT);
const groups = JSON.parse(process.env.OIDC_GROUPS || '{}');

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [client],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // Scope claims go into the ID token, as Okta's and Entra ID's group claims do.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, email: `${sub}@example.org`, email_verified: true, name: sub, groups: groups[sub] ?? [] };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
  cookies: { keys: ['auditdeck-browser-tests-only'] },
  features: { devInteractions: { enabled: true } },
});

provider.listen(port, '127.0.0.1', () => console.log('listening'));

// The test harness holds this pipe open; when it closes (the tests ended, however), stop.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
