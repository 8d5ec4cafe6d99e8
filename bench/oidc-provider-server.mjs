// oidc-provider (panva) configured like edge-haapi for the compared jobs: client_credentials with
// client_secret_basic and with private_key_jwt (ES256), ES256 JWT access tokens, and dynamic client
// registration with an initial access token. In-memory adapter. Prints {"port": …} when ready.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.BENCH_OIDC ?? '{}');
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'cc-secret',
      client_secret: config.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'read',
      id_token_signed_response_alg: 'ES256',
    },
    {
      client_id: 'cc-jwt',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [config.clientJwk] },
      scope: 'read',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [config.signingJwk] },
  scopes: ['read'],
  clientDefaults: {
    id_token_signed_response_alg: 'ES256',
    grant_types: ['client_credentials'],
    response_types: [],
  },
  features: {
    clientCredentials: { enabled: true },
    registration: { enabled: true, initialAccessToken: config.initialAccessToken },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:bench:api',
      getResourceServerInfo: () => ({
        scope: 'read',
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
      useGrantedResource: () => true,
    },
  },
  enabledJWA: { clientAuthSigningAlgValues: ['ES256'] },
});
provider.on('server_error', (_ctx, err) => console.error('oidc-provider error', err));
// The runtime's floor: an empty answer from Node's HTTP server, without the provider (the bench's
// split Worker answers the same path before its app).
const handle = provider.callback();
server.on('request', (req, res) => {
  if (req.url !== '/__bench/empty') return handle(req, res);
  res.statusCode = 204;
  res.end();
});
process.stdout.write(`${JSON.stringify({ port, issuer })}\n`);
