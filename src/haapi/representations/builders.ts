/**
 * @module haapi/representations/builders
 * Typed builders for the representations the flow sends (docs/haapi-protocol.md §4), so that
 * steps are written as data and both renderers (JSON, HTML) read the same structure.
 */
import type {
  Action,
  ClientOperationAction,
  Field,
  FormAction,
  FormModel,
  Link,
  Message,
  Representation,
  StepType,
} from './types';

export function formAction(kind: string, model: FormModel, title?: string): FormAction {
  const action: FormAction = { template: 'form', kind, model };
  if (title !== undefined) action.title = title;
  return action;
}

export function field(
  name: string,
  type: Field['type'],
  extra: Omit<Field, 'name' | 'type'> = {},
): Field {
  return { name, type, ...extra };
}

export function step(
  type: StepType,
  parts: {
    viewName?: string;
    actions?: Action[];
    links?: Link[];
    messages?: Message[];
    properties?: Record<string, string>;
  },
): Representation {
  const representation: Representation = { type };
  if (parts.viewName) representation.metadata = { viewName: parts.viewName };
  if (parts.actions?.length) representation.actions = parts.actions;
  if (parts.links?.length) representation.links = parts.links;
  if (parts.messages?.length) representation.messages = parts.messages;
  if (parts.properties) representation.properties = parts.properties;
  return representation;
}

/** A step the client follows by itself: one form action with hidden fields only (§4). */
export function redirectionStep(
  href: string,
  method: 'GET' | 'POST' = 'GET',
  hidden: Record<string, string> = {},
): Representation {
  const fields = Object.entries(hidden).map(([name, value]) => field(name, 'hidden', { value }));
  const model: FormModel = { href, method };
  if (fields.length) model.fields = fields;
  return step('redirection-step', { actions: [formAction('redirect', model)] });
}

/** The end of the flow (§4 Example D): authorization-response parameters and the redirect link. */
export function authorizationResponse(
  redirectUri: string,
  parameters: Record<string, string>,
): Representation {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return step('oauth-authorization-response', {
    viewName: 'templates/oauth/success-authorization-response',
    properties: parameters,
    links: [{ rel: 'authorization-response', href: url.href }],
  });
}

/** A client operation (§5): the client runs `name` with `args`, then submits a continue action. */
export function clientOperation(
  kind: string,
  name: string,
  args: Record<string, unknown>,
  continueActions: FormAction[],
  errorActions: FormAction[] = [],
  title?: string,
): ClientOperationAction {
  const action: ClientOperationAction = {
    template: 'client-operation',
    kind,
    model: { name, arguments: args, continueActions },
  };
  if (errorActions.length) action.model.errorActions = errorActions;
  if (title !== undefined) action.title = title;
  return action;
}
