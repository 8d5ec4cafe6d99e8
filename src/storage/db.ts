/**
 * @module storage/db
 * The D1 handle the repositories take, and the per-request session that reads near the user.
 * D1 has one primary (in one region) and read replicas (with read replication on): a request
 * reads through a Sessions API session (`first-unconstrained`: the nearest replica; writes go to
 * the primary, and later reads of the same session see them), so a login waits on the primary
 * only for what it writes. Across requests replicas may lag the primary (typically well under a
 * second): reads that must see another request's write (a client registered a moment ago, an App
 * Attest key stored by the previous request) fall back to the primary when the replica has
 * nothing, and the refresh-token grant works on the primary (reuse detection must not see an old
 * generation).
 */

/** What a repository needs: statements and batches (a D1Database or a D1 session). */
export type Db = Pick<D1Database, 'prepare' | 'batch'>;

/** A session for one request that reads from the nearest replica. */
export function nearSession(db: D1Database): Db {
  return typeof db.withSession === 'function' ? db.withSession('first-unconstrained') : db;
}
