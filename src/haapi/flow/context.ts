/**
 * @module haapi/flow/context
 * What a step of the login flow gets: the flow, settings, storage and the URLs it links to. Steps
 * return data (representations, problems, outcomes); routes render them as JSON or HTML.
 */

import type { HaapiFlow } from '../../../durable-objects/haapi-flow';
import type { ReplayGuard } from '../../../durable-objects/replay-guard';
import type { Settings } from '../../config/settings';
import type { HaapiProblem } from '../../errors/problem';
import type { Db } from '../../storage/db';
import type { Locale, Texts } from '../messages/catalog';
import { formAction } from '../representations/builders';
import type { FormAction } from '../representations/types';
import type { FlowAuth, FlowState, LoadedFlow } from './state';

export interface FlowContext {
  readonly settings: Settings;
  readonly db: Db;
  readonly flows: DurableObjectNamespace<HaapiFlow>;
  readonly replayGuard: DurableObjectNamespace<ReplayGuard>;
  readonly flow: LoadedFlow;
  readonly now: number;
  readonly ip: string;
  /** The Cloudflare location serving the request (rate-limit budgets are per location). */
  readonly location?: string;
  readonly locale: Locale;
  /** The texts of `locale`, with the MESSAGES setting's overrides. */
  readonly t: Texts;
  /** The optional Analytics Engine dataset for security events. */
  readonly events: AnalyticsEngineDataset | undefined;
  /** A cookie of the request (the WebAuthn platform-device cookie). */
  readonly cookie: (name: string) => string | undefined;
  readonly userAgent: string;
}

export interface OutcomeCookie {
  readonly name: string;
  readonly value: string;
  readonly maxAge: number;
}

export type SubmitOutcome = (
  | { readonly kind: 'problem'; readonly problem: HaapiProblem }
  | { readonly kind: 'state'; readonly state: FlowState }
  | { readonly kind: 'authenticated'; readonly auth: FlowAuth }
) & { readonly cookies?: readonly OutcomeCookie[] };

/** Paths of the flow's own endpoints (origin-relative, as HAAPI allows, spec §1). */
export function flowPaths(settings: Settings, flowId: string) {
  const base = `${settings.authnPath}/${flowId}`;
  return {
    step: (authenticatorId: string, action?: string) =>
      `${base}/${authenticatorId}${action ? `/${action}` : ''}`,
    cancel: `${base}/cancel`,
    /** Absolute: opened by the app in a browser (external-browser-flow). */
    external: (authenticatorId: string, token: string) =>
      `${settings.issuer}${base}/${authenticatorId}/external?token=${encodeURIComponent(token)}`,
    resume: `${settings.authorizationPath}?flow=${flowId}`,
  };
}

/**
 * The flow's cancel form: POST, url-encoded, no fields (it ends the flow with `access_denied`),
 * with the `actionTitle` that Curity's SDKs label their buttons with.
 */
export function cancelAction(ctx: FlowContext): FormAction {
  const title = ctx.t('cancel');
  return formAction(
    'cancel',
    {
      href: flowPaths(ctx.settings, ctx.flow.id).cancel,
      method: 'POST',
      type: 'application/x-www-form-urlencoded',
      actionTitle: title,
    },
    title,
  );
}
