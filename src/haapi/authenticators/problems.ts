/**
 * @module haapi/authenticators/problems
 * The problems an authenticator's step answers with (docs/haapi-protocol.md §6), shared by every
 * authenticator: the title and the one error message are the same catalogue text, in the flow's
 * locale, and field problems name their fields (`invalidFields`).
 */
import { HaapiProblem, type HaapiProblemType, type InvalidField } from '../../errors/problem';
import type { FlowContext, SubmitOutcome } from '../flow/context';
import type { MessageKey } from '../messages/catalog';

/** A problem whose title and error message are the text `key`. */
export function stepProblem(
  ctx: FlowContext,
  type: HaapiProblemType,
  key: MessageKey,
  reason?: string,
  members: Record<string, unknown> = {},
  status = 400,
): HaapiProblem {
  const text = ctx.t(key);
  return new HaapiProblem(
    type,
    text,
    status,
    { ...members, messages: [{ text, classList: ['error'] }] },
    reason,
  );
}

/** `invalid-input` naming the fields that were refused. */
export function invalidInput(
  ctx: FlowContext,
  fields: InvalidField[],
  reason?: string,
  key: MessageKey = 'error.invalid-input',
): HaapiProblem {
  return stepProblem(ctx, 'invalid-input', key, reason, { invalidFields: fields });
}

/** The fields of `names` that the form lacks or leaves blank (reason `missing`). */
export function missingFields(form: ReadonlyMap<string, string>, names: string[]): InvalidField[] {
  return names
    .filter((n) => !form.get(n)?.trim())
    .map((name) => ({ name, reason: 'missing' as const }));
}

/** `too-many-attempts` (429): a rate limit or a lockout. */
export function tooManyAttempts(ctx: FlowContext, reason: string): HaapiProblem {
  return stepProblem(ctx, 'too-many-attempts', 'error.too-many-attempts', reason, {}, 429);
}

/** A submission outcome that keeps the user on the step with `problem`. */
export function refused(problem: HaapiProblem): SubmitOutcome {
  return { kind: 'problem', problem };
}
