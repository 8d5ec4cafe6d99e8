/**
 * @module client/http
 * HTTP with DPoP: every request gets a fresh proof; when the server asks for a nonce
 * (`use_dpop_nonce`: 400 from the token endpoint, 401 from resources, RFC 9449 §8–§9), the request
 * is sent once more with the nonce from `DPoP-Nonce`, which is kept per origin for later requests.
 */
import type { DpopKey } from './dpop';

export type Fetch = (request: Request) => Promise<Response>;

/** What signs the proofs: a DpopKey (client/dpop.ts), or any key that makes RFC 9449 proofs. */
export interface ProofSigner {
  proof(
    htm: string,
    url: string,
    options?: { accessToken?: string; nonce?: string | null },
  ): Promise<string>;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Binds the proof to this access token (`ath`) and sends it as `Authorization: DPoP`. */
  accessToken?: string;
  /** Binds the proof to a token sent otherwise (a Bearer initial access token), without sending it. */
  boundToken?: string;
}

export class DpopHttp<K extends ProofSigner = DpopKey> {
  private readonly nonces = new Map<string, string>();

  constructor(
    readonly fetch: Fetch,
    readonly key: K,
  ) {}

  async send(url: string, options: SendOptions = {}): Promise<Response> {
    const method = options.method ?? 'GET';
    const origin = new URL(url).origin;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        ...options.headers,
        DPoP: await this.key.proof(method, url, {
          accessToken: options.accessToken ?? options.boundToken,
          nonce: this.nonces.get(origin),
        }),
      };
      if (options.accessToken) headers.Authorization = `DPoP ${options.accessToken}`;
      const res = await this.fetch(
        new Request(url, { method, headers, body: options.body, redirect: 'manual' }),
      );
      const nonce = res.headers.get('DPoP-Nonce');
      if (nonce) this.nonces.set(origin, nonce);
      if (attempt === 0 && nonce && (await asksForNonce(res))) continue;
      return res;
    }
  }
}

async function asksForNonce(res: Response): Promise<boolean> {
  if (res.status === 401)
    return (res.headers.get('WWW-Authenticate') ?? '').includes('use_dpop_nonce');
  if (res.status !== 400) return false;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { error?: string } | null;
  return body?.error === 'use_dpop_nonce';
}

export function formBody(values: Record<string, string>): {
  headers: Record<string, string>;
  body: string;
} {
  return {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(values).toString(),
  };
}
