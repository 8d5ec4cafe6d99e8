/**
 * edge-haapi reference client: an open HAAPI client for apps and tests (the closed Curity SDKs do
 * the same job). See README "Try it" and client/demo/scenarios.ts for a complete use.
 */
export * from './bootstrap';
export * from './dpop';
export * from './errors';
export * from './haapi';
export * from './http';
export * from './oauth';
