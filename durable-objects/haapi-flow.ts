/**
 * @module durable-objects/haapi-flow
 * HaapiFlow: the state of one login flow, one object per flow, named by the flow id. The object
 * is single-threaded, so the steps of a flow are serialised and a value taken from it (the
 * authorization code) can be taken once only. The flow's protocol logic lives in src/haapi/; this
 * class only keeps the state, versions it and expires it.
 *
 * Storage layout (SQLite-backed object, synchronous key-value API):
 *   `state`      string  -- the flow state as JSON (schema owned by src/haapi/flow/)
 *   `version`    number  -- incremented by every update; updates name the version they read
 *   `expires_at` number  -- Unix ms; after it the flow reads as absent
 * An alarm at `expires_at` deletes everything (key-value rows only, so deleteAll() is safe here).
 */
import { DurableObject } from 'cloudflare:workers';

export interface FlowSnapshot {
  state: string;
  version: number;
  expiresAt: number;
}

export type UpdateResult =
  | { ok: true; version: number }
  | { ok: false; reason: 'absent' | 'conflict' };

export class HaapiFlow extends DurableObject<Env> {
  private live(): FlowSnapshot | null {
    const kv = this.ctx.storage.kv;
    const expiresAt = kv.get<number>('expires_at');
    if (expiresAt === undefined || expiresAt <= Date.now()) return null;
    const state = kv.get<string>('state');
    const version = kv.get<number>('version');
    if (state === undefined || version === undefined) return null;
    return { state, version, expiresAt };
  }

  /** Starts the flow; false if this object already holds a live flow (an id collision). */
  async create(state: string, ttlSeconds: number): Promise<boolean> {
    if (this.live()) return false;
    const expiresAt = Date.now() + Math.ceil(ttlSeconds * 1000);
    const kv = this.ctx.storage.kv;
    kv.put('state', state);
    kv.put('version', 1);
    kv.put('expires_at', expiresAt);
    await this.ctx.storage.setAlarm(expiresAt);
    return true;
  }

  /** The flow's current state, or null when it never existed or has expired. */
  async read(): Promise<FlowSnapshot | null> {
    return this.live();
  }

  /** Replaces the state if it is still at `expectedVersion` (optimistic concurrency). */
  async update(state: string, expectedVersion: number): Promise<UpdateResult> {
    const current = this.live();
    if (!current) return { ok: false, reason: 'absent' };
    if (current.version !== expectedVersion) return { ok: false, reason: 'conflict' };
    const version = current.version + 1;
    this.ctx.storage.kv.put('state', state);
    this.ctx.storage.kv.put('version', version);
    return { ok: true, version };
  }

  /** Ends the flow now (completed, cancelled or abandoned). */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    const expiresAt = this.ctx.storage.kv.get<number>('expires_at');
    // The flow may have been re-created with a later expiry after this alarm was set.
    if (expiresAt !== undefined && expiresAt > Date.now()) {
      await this.ctx.storage.setAlarm(expiresAt);
      return;
    }
    await this.ctx.storage.deleteAll();
  }
}
