/**
 * @module observability/log
 * One structured JSON line per event on the Worker's console (collected by Workers Logs / `wrangler
 * tail`). Callers pass plain fields; secrets must never be among them.
 */
export type LogLevel = 'info' | 'warn' | 'error';

export function log(
  level: LogLevel,
  event: string,
  fields: Readonly<Record<string, unknown>> = {},
): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, event, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
