/**
 * @module clients/auth/types
 * What a client authentication method gets and gives. Each method is one module in this folder;
 * index.ts picks the one the request uses (RFC 6749 §2.3: exactly one).
 */
import type { ReplayGuard } from '../../../durable-objects/replay-guard';
import type { Settings } from '../../config/settings';
import type { AuthMethod, Client } from '../client';

export interface AuthRequest {
  readonly settings: Settings;
  readonly form: ReadonlyMap<string, string>;
  readonly authorization: string | null;
  /** Cloudflare's verified-client-certificate fields (never from a header a client can set). */
  readonly tlsClientAuth: TlsClientAuth | null;
  readonly now: number;
  readonly findClient: (clientId: string) => Promise<Client | null>;
  readonly replayGuard: DurableObjectNamespace<ReplayGuard>;
  /** The endpoint URL the credentials are presented at (allowed as assertion `aud` by legacy clients). */
  readonly endpoint: string;
  /** The new secret of a re-registered dynamic client was used: its previous one ends. */
  readonly forgetPreviousSecret?: (clientId: string) => Promise<void>;
}

/** The subset of `request.cf.tlsClientAuth` we use. */
export interface TlsClientAuth {
  readonly certPresented: string;
  readonly certVerified: string;
  readonly certRevoked: string;
  readonly certSubjectDNRFC2253: string;
  readonly certIssuerDNRFC2253: string;
  readonly certFingerprintSHA256: string;
  readonly certNotAfter?: string;
}

export interface AuthenticatedClient {
  readonly client: Client;
  /** How the client proved itself: a registered method, or a client attestation token. */
  readonly method: AuthMethod | 'attestation';
  /** For `attestation`: the attested DPoP key and the evidence (docs/haapi-protocol.md §2.1). */
  readonly attestation?: {
    readonly jkt: string;
    readonly platform: string;
    readonly evidence: Readonly<Record<string, string | number | boolean | null>>;
  };
  /** Which credential authenticated (a certificate thumbprint, an assertion key id), for records. */
  readonly credential?: string;
  /** `cnf.x5t#S256` for certificate-bound tokens (RFC 8705 §3.1), for mTLS methods. */
  readonly x5tS256?: string;
}

/** Internal reasons for refusing client authentication (security log; the wire says invalid_client). */
export type { ClientAuthReason } from '../../errors/reasons';
