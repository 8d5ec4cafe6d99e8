/**
 * @module haapi/representations/types
 * The HAAPI representation model (docs/haapi-protocol.md §4): what `application/vnd.auth+json`
 * responses contain. Flat, JSON-serialisable types.
 */

export const HAAPI_MEDIA_TYPE = 'application/vnd.auth+json';

/** Whether an Accept header asks for HAAPI representations (a HAAPI caller, not a browser). */
export function acceptsHaapi(accept: string | null | undefined): boolean {
  return (accept ?? '').includes(HAAPI_MEDIA_TYPE);
}

export type StepType =
  | 'authentication-step'
  | 'registration-step'
  | 'user-consent-step'
  | 'redirection-step'
  | 'continue-same-step'
  | 'polling-step'
  | 'oauth-authorization-response';

export type FieldType =
  | 'hidden'
  | 'text'
  | 'password'
  | 'username'
  | 'select'
  | 'context'
  | 'checkbox';

export interface Field {
  name: string;
  type: FieldType;
  label?: string;
  placeholder?: string;
  value?: string;
  required?: boolean;
  kind?: string;
  minLength?: number;
  maxLength?: number;
}

export interface FormModel {
  href: string;
  method: 'GET' | 'POST';
  type?: 'application/x-www-form-urlencoded' | 'application/json';
  actionTitle?: string;
  fields?: Field[];
  continueActions?: Action[];
  errorActions?: Action[];
}

export interface FormAction {
  template: 'form';
  kind: string;
  title?: string;
  model: FormModel;
  properties?: Record<string, string>;
}

export interface SelectorAction {
  template: 'selector';
  kind: string;
  title?: string;
  model: { options: FormAction[] };
}

export interface ClientOperationAction {
  template: 'client-operation';
  kind: string;
  title?: string;
  model: {
    name: string;
    arguments: Record<string, unknown>;
    continueActions: Action[];
    errorActions?: Action[];
  };
}

export type Action = FormAction | SelectorAction | ClientOperationAction;

export interface Link {
  href: string;
  rel: string;
  title?: string;
  type?: string;
}

export interface Message {
  text: string;
  classList?: string[];
}

export interface Representation {
  type: StepType;
  metadata?: { viewName?: string; templateArea?: string };
  actions?: Action[];
  links?: Link[];
  messages?: Message[];
  properties?: Record<string, string>;
}
