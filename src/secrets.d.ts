// Worker secrets (set with `wrangler secret put`; locally from .dev.vars). Declared here rather
// than generated, so that `wrangler types` output does not depend on a local .dev.vars.
declare namespace Cloudflare {
  interface Env {
    SIGNING_KEYS: string;
    SERVER_SECRET: string;
    ADMIN_TOKEN?: string;
    PASSWORD_PEPPER?: string;
  }
}
