/**
 * @module attestation/refresh-status-list
 * The Cron job that keeps Google's attestation status list in D1: fetch, parse strictly, replace
 * the table in one transaction. A failed fetch or a malformed document changes nothing; the
 * previous list stays in force.
 */

import { replaceRevocations } from '../storage/attestation-revocations';
import type { Db } from '../storage/db';
import { parseStatusList } from './status-list';

export async function refreshStatusList(
  db: Db,
  url: string,
  fetcher: typeof fetch = fetch,
): Promise<{ entries: number }> {
  const response = await fetcher(url, {
    headers: { Accept: 'application/json' },
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`status list answered ${response.status}`);
  const entries = parseStatusList(await response.json());
  await replaceRevocations(db, entries);
  return { entries: entries.length };
}
