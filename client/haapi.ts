/**
 * @module client/haapi
 * A HAAPI session (docs/haapi-protocol.md §3–§6): every call with `Accept:
 * application/vnd.auth+json`, the AAT as `Authorization: DPoP` with a proof bound to it, and the
 * flow's `Session-Id` once the server set one. `login` walks representations generically:
 * redirection steps are followed, selectors go to `selectAuthenticator`, forms are filled by
 * `form` from their model, client operations go to the handler registered for their name, and
 * problems become HaapiProblemError. It ends at `oauth-authorization-response`.
 */
import type {
  Action,
  ClientOperationAction,
  FormAction,
  Representation,
} from '../src/haapi/representations/types';
import { HaapiProblemError, jsonOrThrow } from './errors';
import type { DpopHttp, ProofSigner } from './http';

export type { Action, ClientOperationAction, FormAction, Representation };

export const HAAPI_MEDIA_TYPE = 'application/vnd.auth+json';

export interface StepTrace {
  readonly type: string;
  readonly action?: string;
  readonly status: number;
  readonly ms: number;
}

/** What to post for a client operation: the continue action and the values of its fields. */
export interface OperationResult {
  readonly action: FormAction;
  readonly values: Record<string, unknown>;
}

export interface LoginHandlers {
  /** Values for a form's fields, or null when this form is not the one to use. */
  form?(action: FormAction, representation: Representation): Record<string, string> | null;
  /** Picks an option of an authenticator selector (default: the first). */
  selectAuthenticator?(options: FormAction[]): FormAction;
  /** Client operations by name (`external-browser-flow`, `webauthn-authentication`, …). */
  operations?: Record<string, (op: ClientOperationAction) => Promise<OperationResult>>;
  onStep?(trace: StepTrace): void;
}

export interface AuthorizationResponse {
  readonly code: string;
  readonly state?: string;
  readonly iss?: string;
  readonly [parameter: string]: string | undefined;
}

/** A request body: its media type and text. */
export interface HaapiBody {
  readonly type: string;
  readonly text: string;
}

export class HaapiSession {
  sessionId: string | null = null;

  constructor(
    readonly http: DpopHttp<ProofSigner>,
    readonly aat: string,
    readonly base: string,
  ) {}

  /**
   * One HAAPI call, answered as it came (problems included): the HAAPI headers, the flow's
   * `Session-Id`, `extraHeaders` last (they may replace any of them).
   */
  async send(
    href: string,
    method = 'GET',
    body?: HaapiBody,
    extraHeaders: Record<string, string> = {},
  ): Promise<Response> {
    const url = new URL(href, this.base).href;
    const headers: Record<string, string> = { Accept: HAAPI_MEDIA_TYPE };
    if (this.sessionId) headers['Session-Id'] = this.sessionId;
    if (body) headers['Content-Type'] = body.type;
    const res = await this.http.send(url, {
      method,
      headers: { ...headers, ...extraHeaders },
      body: body?.text,
      accessToken: this.aat,
    });
    const sessionId = res.headers.get('Set-Session-Id');
    if (sessionId) this.sessionId = sessionId;
    return res;
  }

  /** One HAAPI call; a problem or an OAuth error is thrown (client/errors.ts). */
  async request(
    href: string,
    method = 'GET',
    body?: HaapiBody,
  ): Promise<{ status: number; representation: Representation }> {
    const res = await this.send(href, method, body);
    return { status: res.status, representation: await jsonOrThrow<Representation>(res) };
  }

  /**
   * The request that submits a form action with `values` for its fields (the others keep their
   * values): GET forms in the query, others url-encoded or JSON per the model's `type`.
   */
  encode(
    action: FormAction,
    values: Record<string, unknown> = {},
  ): { href: string; method: string; body?: HaapiBody } {
    const { model } = action;
    const data: Record<string, unknown> = {};
    for (const field of model.fields ?? []) {
      const value = values[field.name] ?? field.value;
      if (value !== undefined) data[field.name] = value;
    }
    if (model.method === 'GET') {
      const url = new URL(model.href, this.base);
      for (const [k, v] of Object.entries(data)) url.searchParams.set(k, String(v));
      return { href: url.href, method: 'GET' };
    }
    if (model.type === 'application/json')
      return {
        href: model.href,
        method: model.method,
        body: { type: 'application/json', text: JSON.stringify(data) },
      };
    for (const [k, v] of Object.entries(data))
      if (typeof v !== 'string')
        throw new TypeError(`field ${k} needs a string value in a url-encoded form`);
    return {
      href: model.href,
      method: model.method,
      body: {
        type: 'application/x-www-form-urlencoded',
        text: new URLSearchParams(data as Record<string, string>).toString(),
      },
    };
  }

  /** Submits a form action (encode) and reads the answer as `request` does. */
  submit(action: FormAction, values: Record<string, unknown> = {}) {
    const { href, method, body } = this.encode(action, values);
    return this.request(href, method, body);
  }

  /** Runs a login from the authorization request URL to the authorization response. */
  async login(authorizeUrl: string, handlers: LoginHandlers = {}): Promise<AuthorizationResponse> {
    const timed = async (
      action: string | undefined,
      call: () => Promise<{ status: number; representation: Representation }>,
    ) => {
      const started = Date.now();
      const result = await call();
      handlers.onStep?.({
        type: result.representation.type,
        action,
        status: result.status,
        ms: Date.now() - started,
      });
      return result.representation;
    };
    let current = await timed('authorize', () => this.request(authorizeUrl));
    for (let steps = 0; steps < 50; steps++) {
      if (current.type === 'oauth-authorization-response') {
        const properties = current.properties ?? {};
        if (!properties.code) throw new Error('authorization response without a code');
        return properties as AuthorizationResponse;
      }
      const actions = current.actions ?? [];
      const next = await this.nextMove(current, actions, handlers);
      current = await timed(next.label, () => this.submit(next.action, next.values));
    }
    throw new Error('the login did not end within 50 steps');
  }

  private async nextMove(
    representation: Representation,
    actions: Action[],
    handlers: LoginHandlers,
  ): Promise<{ action: FormAction; values: Record<string, unknown>; label: string }> {
    const forms = actions.filter((a): a is FormAction => a.template === 'form');
    if (representation.type === 'redirection-step' && forms[0])
      return { action: forms[0], values: {}, label: forms[0].kind };
    for (const action of actions) {
      if (action.template === 'selector') {
        const options = action.model.options;
        const chosen = handlers.selectAuthenticator?.(options) ?? options[0];
        if (chosen) return { action: chosen, values: {}, label: `select ${chosen.kind}` };
      }
      if (action.template === 'client-operation') {
        const handler = handlers.operations?.[action.model.name];
        if (handler) {
          const result = await handler(action);
          return { ...result, label: action.model.name };
        }
      }
    }
    for (const action of forms) {
      if (action.kind === 'cancel') continue;
      const values = handlers.form?.(action, representation);
      if (values) return { action, values, label: action.kind };
    }
    throw new HaapiProblemError(0, {
      type: 'about:client-cannot-continue',
      title: `No handler for this ${representation.type} (actions: ${actions
        .map((a) => (a.template === 'client-operation' ? a.model.name : a.kind))
        .join(', ')})`,
    });
  }
}
