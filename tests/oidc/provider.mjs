// A certified OpenID provider (panva's oidc-provider) for the tests, on a loopback port.
// Its configuration comes as JSON in OIDC_TEST_CONFIG: port, clients (their metadata),
// accounts (login -> claims).
// Its dev interactions are plain HTML forms: any password signs in the account typed.
import { pathToFileURL } from 'node:url';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);

const issuer = `http://127.0.0.1:${config.port}`;
const provider = new Provider(issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'birthdate'],
    cpr: ['cpr'],
  },
  scopes: ['openid', 'profile', 'cpr'],
  // The profile's claims in the ID token too, as a national identity provider sends them.
  conformIdTokenClaims: false,
  cookies: { keys: ['stepcare-test-only'] },
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(config.port, '127.0.0.1', () => console.log(`ready ${issuer}`));
