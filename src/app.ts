/**
 * @module app
 * createApp(settings): the one Hono app. Middleware order: request id, security headers, body
 * limit; then the route groups, each marked with its error shape; then the error boundary.
 * Paths come from settings, so the app is built once per settings object.
 */

import { Hono } from 'hono';
import type { AppEnv } from './app-env';
import type { Settings } from './config/settings';
import { RequestError } from './errors/request-error';
import { errorResponse } from './errors/respond';
import { bodyLimit } from './middleware/body-limit';
import { devClientCertificate } from './middleware/dev-client-certificate';
import { errorShape } from './middleware/error-shape';
import { requestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';
import { adminRoutes } from './routes/admin';
import { assetRoutes } from './routes/assets';
import { authnRoutes } from './routes/authn';
import { authorizeRoutes } from './routes/authorize';
import { catRoutes } from './routes/cat';
import { devPageRoutes } from './routes/dev-pages';
import { endSessionRoutes } from './routes/end-session';
import { introspectionRoutes } from './routes/introspection';
import { jwksRoutes } from './routes/jwks';
import { registrationRoutes } from './routes/registration';
import { revocationRoutes } from './routes/revocation';
import { tokenRoutes } from './routes/token';
import { userinfoRoutes } from './routes/userinfo';
import { DEVICES_PATH, webauthnDeviceRoutes } from './routes/webauthn-devices';
import { wellKnownRoutes } from './routes/well-known';
import { nearSession } from './storage/db';
import { homePage, wantsHtml } from './ui/info-pages';
import { DEV_START_PATH } from './ui/layout';

export function createApp(settings: Settings): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(async (c, next) => {
    c.set('settings', settings);
    c.set('db', nearSession(c.env.DB));
    await next();
  });
  app.use(securityHeaders({ hsts: settings.issuer.startsWith('https://') }));
  if (settings.devClientCertificateHeader) {
    app.use(devClientCertificate(settings.devMtlsCa));
  }

  // Error shapes first, so that everything after (body limit included) answers in the group's shape.
  app.use('/.well-known/*', errorShape('problem'));
  app.use('/admin/*', errorShape('oauth'));
  app.use(`${DEVICES_PATH}/*`, errorShape('oauth'));
  app.use(DEVICES_PATH, errorShape('oauth'));
  app.use(`${settings.authnPath}/*`, errorShape('flow'));
  app.use(settings.authorizationPath, errorShape('flow'));
  app.use(settings.endSessionPath, errorShape('flow'));
  const oauthPaths = [
    settings.jwksPath,
    settings.tokenPath,
    settings.introspectionPath,
    settings.revocationPath,
    settings.userinfoPath,
    settings.registrationPath,
  ];
  for (const path of oauthPaths) {
    app.use(path, errorShape('oauth'));
    app.use(`${path}/*`, errorShape('oauth'));
  }
  app.use(bodyLimit({ maxBytes: settings.maxBodyBytes }));

  app.route('/.well-known', wellKnownRoutes);
  app.route(settings.jwksPath, jwksRoutes);
  app.route(settings.authorizationPath, authorizeRoutes);
  app.route(settings.authnPath, authnRoutes);
  app.route(settings.endSessionPath, endSessionRoutes);
  app.route(`${settings.tokenPath}/cat`, catRoutes);
  app.route(settings.tokenPath, tokenRoutes);
  app.route(settings.introspectionPath, introspectionRoutes);
  app.route(settings.revocationPath, revocationRoutes);
  app.route(settings.userinfoPath, userinfoRoutes);
  app.route(settings.registrationPath, registrationRoutes);
  app.route('/admin', adminRoutes);
  app.route(DEVICES_PATH, webauthnDeviceRoutes);
  app.route('/assets', assetRoutes);
  app.get('/', (c, next) => (wantsHtml(c.req.raw) ? homePage(c) : next()));
  if (settings.environment === 'development') app.route(DEV_START_PATH, devPageRoutes);

  app.notFound((c) =>
    errorResponse(
      new RequestError(404, 'Not Found', `No endpoint at ${c.req.method} ${c.req.path}`),
      c,
    ),
  );
  app.onError((err, c) => errorResponse(err, c));
  return app;
}
