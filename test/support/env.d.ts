// Test-only bindings added in vitest.config.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_SCHEMA_SQL: string;
    TEST_SEED_SQL: string;
    /** AUTHENTICATORS of wrangler.toml (the demo), which the suite itself overrides. */
    TEST_DEMO_AUTHENTICATORS: string;
    TEST_DEMO_ASSET_LINKS: string;
    /** Cases per fuzz property (empty: the fast profile). */
    FUZZ_RUNS: string;
  }
}
