/**
 * @module haapi/flow/flow-id
 * Flow ids that prove we made them: 16 random bytes followed by the first 10 bytes of their
 * HMAC-SHA256 under a key derived from SERVER_SECRET, base64url (35 characters). A flow id names a
 * Durable Object, and asking for an object by name creates it; checking the MAC first means a
 * made-up session id, step URL or authorization code never reaches (or creates) an object.
 */
import type { FlowSnapshot, HaapiFlow } from '../../../durable-objects/haapi-flow';
import { decodeBase64Url, encodeBase64Url } from '../../crypto/base64url';
import { timingSafeEqualBytes } from '../../crypto/constant-time';
import { derivedHmacKey, hmacSha256 } from '../../crypto/hmac';

const RANDOM_BYTES = 16;
const MAC_BYTES = 10;
const FLOW_ID = /^[A-Za-z0-9_-]{35}$/;

async function mac(serverSecret: string, random: Uint8Array): Promise<Uint8Array> {
  const key = await derivedHmacKey(serverSecret, 'flow-id');
  const full = await hmacSha256(key, random);
  return full.slice(0, MAC_BYTES);
}

export async function mintFlowId(serverSecret: string): Promise<string> {
  const random = crypto.getRandomValues(new Uint8Array(RANDOM_BYTES));
  const id = new Uint8Array(RANDOM_BYTES + MAC_BYTES);
  id.set(random);
  id.set(await mac(serverSecret, random), RANDOM_BYTES);
  return encodeBase64Url(id);
}

export async function isGenuineFlowId(serverSecret: string, id: string): Promise<boolean> {
  if (!FLOW_ID.test(id)) return false;
  const bytes = decodeBase64Url(id);
  if (!bytes || bytes.length !== RANDOM_BYTES + MAC_BYTES) return false;
  const expected = await mac(serverSecret, bytes.slice(0, RANDOM_BYTES));
  return timingSafeEqualBytes(bytes.slice(RANDOM_BYTES), expected);
}

/**
 * The HaapiFlow object a minted id names. Other kinds of record kept in HaapiFlow objects (a
 * browser's single sign-on session) name theirs with a `prefix`, so one id never names two.
 */
export function mintedObject(
  binding: DurableObjectNamespace<HaapiFlow>,
  id: string,
  prefix = '',
): DurableObjectStub<HaapiFlow> {
  return binding.get(binding.idFromName(`${prefix}${id}`));
}

/** Creates an object under a fresh minted id with `state` for `ttl` seconds; returns the id. */
export async function createMinted(
  binding: DurableObjectNamespace<HaapiFlow>,
  serverSecret: string,
  state: string,
  ttl: number,
  prefix = '',
): Promise<string> {
  for (;;) {
    const id = await mintFlowId(serverSecret);
    if (await mintedObject(binding, id, prefix).create(state, ttl)) return id;
  }
}

/** The snapshot of the object `id` names; null for an id we did not mint (no object is asked). */
export async function readMinted(
  binding: DurableObjectNamespace<HaapiFlow>,
  serverSecret: string,
  id: string,
  prefix = '',
): Promise<FlowSnapshot | null> {
  if (!(await isGenuineFlowId(serverSecret, id))) return null;
  return mintedObject(binding, id, prefix).read();
}
