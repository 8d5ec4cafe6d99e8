// Runs before every test file in workerd: the schema and the demo seed, both idempotent.
import { env } from 'cloudflare:test';
import { beforeAll } from 'vitest';
import { applySql } from './apply-schema';

beforeAll(async () => {
  await applySql(env.DB, env.TEST_SCHEMA_SQL);
  await applySql(env.DB, env.TEST_SEED_SQL);
});
