/**
 * @module config/errors
 * The error a bad setting raises: it names the setting and what is wrong with it.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly setting: string,
    readonly problem: string,
  ) {
    super(`${setting} ${problem}`);
  }
}
