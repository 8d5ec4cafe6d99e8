// Optional bindings: configured in wrangler.toml only when wanted.
declare namespace Cloudflare {
  interface Env {
    /** Workers Analytics Engine dataset for security events (observability/events.ts). */
    EVENTS?: AnalyticsEngineDataset;
  }
}
