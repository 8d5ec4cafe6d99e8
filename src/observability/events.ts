/**
 * @module observability/events
 * Security events: one structured JSON line each (`"security": true`, the event type, who and
 * why; never a secret, token, password or code), and, when the optional Workers Analytics Engine
 * binding EVENTS is configured, one data point each (index: the event type).
 */
import { log } from './log';

export type SecurityEventType =
  | 'attestation.success'
  | 'attestation.failure'
  | 'dcr.registration'
  | 'dcr.deleted'
  | 'login.success'
  | 'login.failure'
  | 'login.lockout'
  | 'session.started'
  | 'session.reused'
  | 'session.ended'
  | 'webauthn.registered'
  | 'webauthn.removed'
  | 'token.issued'
  | 'token.refreshed'
  | 'token.revoked'
  | 'replay.refused'
  | 'admin.change';

export type EventFields = Readonly<
  Record<string, string | number | boolean | null | undefined | Readonly<Record<string, unknown>>>
>;

export function securityEvent(
  events: AnalyticsEngineDataset | undefined,
  type: SecurityEventType,
  fields: EventFields,
): void {
  log(
    type.endsWith('failure') || type === 'login.lockout' || type === 'replay.refused'
      ? 'warn'
      : 'info',
    type,
    {
      security: true,
      ...fields,
    },
  );
  if (events) {
    const blobs = [
      type,
      ...['clientId', 'subject', 'reason', 'platform', 'grantType'].map((k) =>
        String(fields[k] ?? ''),
      ),
    ];
    try {
      events.writeDataPoint({ indexes: [type], blobs, doubles: [1] });
    } catch {
      // Analytics are best effort: an event is never lost from the log because of them.
    }
  }
}
