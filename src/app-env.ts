/**
 * @module app-env
 * The Hono environment of the app: the Worker bindings and the intersection of the Variables
 * each middleware sets.
 */
import type { Settings } from './config/settings';
import type { DevClientCertificateVariables } from './middleware/dev-client-certificate';
import type { ErrorShapeVariables } from './middleware/error-shape';
import type { RequestIdVariables } from './middleware/request-id';
import type { SecurityHeadersVariables } from './middleware/security-headers';
import type { Db } from './storage/db';

export type AppVariables = RequestIdVariables &
  DevClientCertificateVariables &
  SecurityHeadersVariables &
  ErrorShapeVariables & {
    settings: Settings;
    /** D1 for this request: reads from the nearest replica, writes to the primary (storage/db.ts). */
    db: Db;
    /** The allowed origins of the client the request authenticated (CORS, routes/cors.ts). */
    clientOrigins?: readonly string[];
  };

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
