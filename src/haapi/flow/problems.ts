/**
 * @module haapi/flow/problems
 * The problems of the flow itself (not of an authenticator's form): a flow that does not exist,
 * and a submission to a step the flow is not on.
 */
import { HaapiProblem } from '../../errors/problem';

export function unknownFlow(): HaapiProblem {
  return new HaapiProblem(
    'generic-user-error',
    'The login has expired or does not exist. Start again.',
    400,
    {},
    'unknown_flow',
  );
}

export function wrongStep(): HaapiProblem {
  return new HaapiProblem(
    'generic-user-error',
    'This step is not the current step of the login',
    400,
    {},
    'wrong_step',
  );
}
