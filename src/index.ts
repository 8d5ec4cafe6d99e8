/**
 * @module index
 * The Worker's entry: builds the app for this isolate's settings (once per env object) and
 * re-exports the Durable Object classes the bindings name.
 */
import type { Hono } from 'hono';
import { createApp } from './app';
import type { AppEnv } from './app-env';
import { refreshStatusList } from './attestation/refresh-status-list';
import { ConfigError } from './config/errors';
import { getSettings, type Settings } from './config/settings';
import { log } from './observability/log';
import { purgeDynamicClients } from './storage/dynamic-clients';
import { pruneRevocations } from './storage/revocations';
import { loadKeySet, signingKeyAt } from './tokens/keys';
import { misconfiguredPage, wantsHtml } from './ui/info-pages';
import { THEME_CSS_PATH } from './ui/layout';
import { THEME_CSS } from './ui/theme-css';
import { metadataRoots, refreshMetadata } from './webauthn/metadata';

export { HaapiFlow } from '../durable-objects/haapi-flow';
export { ReplayGuard } from '../durable-objects/replay-guard';

const apps = new WeakMap<Settings, Hono<AppEnv>>();
let warnedDemo = false;

function appFor(env: Env): Hono<AppEnv> {
  const settings = getSettings(env as unknown as Record<string, unknown>);
  let app = apps.get(settings);
  if (!app) {
    app = createApp(settings);
    apps.set(settings, app);
    if (settings.environment === 'development' && !warnedDemo) {
      warnedDemo = true;
      log('warn', 'settings.development', {
        message: 'ENVIRONMENT is development: never deploy this configuration to production',
      });
    }
  }
  return app;
}

export default {
  fetch(request, env, ctx) {
    let app: Hono<AppEnv>;
    try {
      app = appFor(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      log('error', 'settings.invalid', { message: err.message, setting: err.setting });
      // Browsers get a page (its stylesheet too); API clients the OAuth error.
      if (new URL(request.url).pathname === THEME_CSS_PATH)
        return new Response(THEME_CSS, { headers: { 'Content-Type': 'text/css; charset=utf-8' } });
      if (wantsHtml(request)) {
        const development =
          (env as unknown as Record<string, unknown>).ENVIRONMENT !== 'production';
        return misconfiguredPage(request, development, `Setting ${err.message}.`);
      }
      return Response.json(
        { error: 'server_error', error_description: 'The server is misconfigured' },
        { status: 500, headers: { 'Cache-Control': 'no-store' } },
      );
    }
    return app.fetch(request, env, ctx);
  },

  /**
   * Cron trigger: reports the signing-key schedule (which key signs, which are staged), purges
   * expired dynamic clients and revocation rows, refreshes the FIDO metadata and Google's
   * attestation status list.
   */
  async scheduled(_controller, env, ctx) {
    const settings = getSettings(env as unknown as Record<string, unknown>);
    const now = Math.floor(Date.now() / 1000);
    ctx.waitUntil(
      loadKeySet(settings.signingKeys).then((keys) => {
        const current = signingKeyAt(keys, now);
        log('info', 'keys.schedule', {
          signing: current.kid,
          staged: keys.all
            .filter((k) => k.nbf !== undefined && k.nbf > now)
            .map((k) => ({ kid: k.kid, from: k.nbf })),
          verifying: keys.all.map((k) => k.kid),
        });
      }),
    );
    ctx.waitUntil(
      purgeDynamicClients(env.DB, now).then(
        (purged) => log('info', 'dcr.purged', { purged }),
        (err: unknown) => log('error', 'dcr.purge-failed', { message: String(err) }),
      ),
    );
    ctx.waitUntil(
      pruneRevocations(env.DB, now).then(
        (pruned) => log('info', 'revocations.pruned', { pruned }),
        (err: unknown) => log('error', 'revocations.prune-failed', { message: String(err) }),
      ),
    );
    const metadataUrl = settings.webauthnMetadataUrl;
    if (metadataUrl) {
      // A blob that does not verify, or is not newer, keeps the stored one; either is logged.
      ctx.waitUntil(
        refreshMetadata(
          env.DB,
          metadataUrl,
          metadataRoots(settings.webauthnMetadataRoot),
          new Date(),
        ).then(
          (result) =>
            log(result.stored ? 'info' : 'warn', 'webauthn.metadata.refresh', {
              url: metadataUrl,
              ...result,
            }),
          (err: unknown) =>
            log('error', 'webauthn.metadata.failed', { url: metadataUrl, message: String(err) }),
        ),
      );
    }
    if (!settings.attestationStatusUrl) return;
    const url = settings.attestationStatusUrl;
    ctx.waitUntil(
      refreshStatusList(env.DB, url).then(
        (result) => log('info', 'attestation.status-list.refreshed', { url, ...result }),
        (err: unknown) =>
          log('error', 'attestation.status-list.failed', { url, message: String(err) }),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
