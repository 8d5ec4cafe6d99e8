/**
 * @module app-env
 * The Hono environment of the app: the Worker bindings and the intersection of the Variables
 * each middleware sets.
 */
import type { Settings } from './config/settings';
import type { ErrorShapeVariables } from './errors/respond';
import type { DevClientCertificateVariables } from './middleware/dev-client-certificate';
import type { RequestIdVariables } from './middleware/request-id';
import type { SecurityHeadersVariables } from './middleware/security-headers';

export type AppVariables = RequestIdVariables &
  DevClientCertificateVariables &
  SecurityHeadersVariables &
  ErrorShapeVariables & {
    settings: Settings;
    /** The allowed origins of the client the request authenticated (CORS, routes/cors.ts). */
    clientOrigins?: readonly string[];
  };

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
