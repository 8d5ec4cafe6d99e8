/**
 * @module ui/page
 * The HTML rendering of a step (spec: "one step logic, two renderings"): the same representation
 * HAAPI clients get as JSON becomes a server-rendered page. Forms get the flow's CSRF token;
 * hidden-only redirection steps are shown as a one-button form (no script needed).
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Locale } from '../haapi/messages/catalog';
import { t } from '../haapi/messages/catalog';
import type {
  Action,
  ClientOperationAction,
  Field,
  FormAction,
  Link,
  Message,
  Representation,
} from '../haapi/representations/types';
import { scriptJson } from './external-done';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1d2433}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1rem}.error{color:#b00020}.actions form{display:inline-block;margin-right:.5rem}
ul.invalid{color:#b00020}dl{font-family:monospace}.webauthn button{display:block;width:100%}`;

export interface PageOptions {
  readonly locale: Locale;
  readonly csrf?: string;
  readonly nonce: string;
  /** Start a single-choice WebAuthn ceremony without a click (ui/webauthn-interaction.ts). */
  readonly webauthnAutoStart?: boolean;
  /** Where the page loads its WebAuthn script from. */
  readonly webauthnScript?: string;
  readonly invalidFields?: readonly { name: string; reason: string; detail?: string }[];
  readonly extraMessages?: readonly Message[];
}

function FieldInput({ field, invalid }: { field: Field; invalid: boolean }) {
  if (field.type === 'hidden' || field.type === 'context') {
    return <input type="hidden" name={field.name} value={field.value ?? ''} />;
  }
  const type =
    field.type === 'username'
      ? 'text'
      : field.type === 'password'
        ? 'password'
        : field.kind === 'email'
          ? 'email'
          : 'text';
  const autocomplete =
    field.type === 'username'
      ? 'username'
      : field.type === 'password'
        ? 'current-password'
        : undefined;
  return (
    <>
      <label for={`f-${field.name}`}>{field.label ?? field.name}</label>
      <input
        id={`f-${field.name}`}
        name={field.name}
        type={type}
        value={field.value}
        required={field.required !== false}
        minlength={field.minLength}
        maxlength={field.maxLength}
        autocomplete={autocomplete}
        aria-invalid={invalid ? 'true' : undefined}
      />
    </>
  );
}

function Form({
  action,
  csrf,
  invalid,
}: {
  action: FormAction;
  csrf?: string;
  invalid: Set<string>;
}) {
  const model = action.model;
  return (
    <form
      method={model.method === 'GET' ? 'get' : 'post'}
      action={model.href}
      data-kind={action.kind}
    >
      {csrf && model.method !== 'GET' ? <input type="hidden" name="_csrf" value={csrf} /> : null}
      {(model.fields ?? []).map((field) => (
        <FieldInput field={field} invalid={invalid.has(field.name)} />
      ))}
      <button type="submit">{model.actionTitle ?? action.title ?? action.kind}</button>
    </form>
  );
}

interface WebauthnChoice {
  field: string;
  label: string;
  options: unknown;
}

function publicKeyOf(value: unknown): unknown {
  return (value as { publicKey?: unknown } | undefined)?.publicKey;
}

/** The choices of a webauthn client operation: one button each, posting in its own field. */
function webauthnChoices(action: ClientOperationAction, locale: Locale): WebauthnChoice[] {
  const args = action.model.arguments;
  const title = action.title ?? action.kind;
  if (action.model.name === 'webauthn-authentication')
    return [
      { field: 'credential', label: title, options: publicKeyOf(args.credentialRequestOptions) },
    ];
  const choices: WebauthnChoice[] = [];
  if (args.credentialCreationOptions)
    choices.push({
      field: 'credential',
      label: title,
      options: publicKeyOf(args.credentialCreationOptions),
    });
  if (args.platformCredentialCreationOptions)
    choices.push({
      field: 'platformCredential',
      label: t(locale, 'webauthn.platform'),
      options: publicKeyOf(args.platformCredentialCreationOptions),
    });
  if (args.crossPlatformCredentialCreationOptions)
    choices.push({
      field: 'crossPlatformCredential',
      label: t(locale, 'webauthn.cross-platform'),
      options: publicKeyOf(args.crossPlatformCredentialCreationOptions),
    });
  return choices;
}

/**
 * A webauthn client operation as HTML: its options as JSON, a button per choice and the hidden
 * continue form, driven by /assets/webauthn.js. A single choice starts by itself when allowed
 * (not on the username-less sign-in, where the user may prefer the username form).
 */
function WebauthnOperation({
  action,
  options,
}: {
  action: ClientOperationAction;
  options: PageOptions;
}) {
  const choices = webauthnChoices(action, options.locale);
  const next = action.model.continueActions[0];
  if (next?.template !== 'form') return null;
  const request = publicKeyOf(action.model.arguments.credentialRequestOptions) as
    | { allowCredentials?: unknown[] }
    | undefined;
  const usernameless = request !== undefined && !request.allowCredentials?.length;
  const autoStart = options.webauthnAutoStart === true && choices.length === 1 && !usernameless;
  const data = {
    ceremony: action.model.name === 'webauthn-registration' ? 'create' : 'get',
    choices: choices.map(({ field, options: o }) => ({ field, options: o })),
    messages: {
      cancelled: t(options.locale, 'webauthn.error.cancelled'),
      unsupported: t(options.locale, 'webauthn.error.unsupported'),
    },
  };
  return (
    <section
      class="webauthn"
      data-operation={action.model.name}
      data-kind={action.kind}
      data-autostart={autoStart ? 'true' : 'false'}
    >
      <script type="application/json" class="webauthn-options">
        {raw(scriptJson(data))}
      </script>
      {choices.map((choice) => (
        <button type="button" data-field={choice.field}>
          {choice.label}
        </button>
      ))}
      <form method="post" action={next.model.href} hidden>
        {options.csrf ? <input type="hidden" name="_csrf" value={options.csrf} /> : null}
        <input type="hidden" name="credential" value="" data-credential="true" />
      </form>
      <p class="error" role="alert" data-error="true" hidden />
    </section>
  );
}

function formsOf(actions: readonly Action[]): FormAction[] {
  return actions.flatMap((action) =>
    action.template === 'form'
      ? [action]
      : action.template === 'selector'
        ? action.model.options
        : [],
  );
}

export function StepPage({
  representation,
  options,
}: {
  representation: Representation;
  options: PageOptions;
}) {
  const messages = [...(representation.messages ?? []), ...(options.extraMessages ?? [])];
  const heading = messages.find((m) => m.classList?.includes('heading'));
  const invalid = new Set((options.invalidFields ?? []).map((f) => f.name));
  const links: Link[] = representation.links ?? [];
  const properties = representation.properties ?? {};
  const operations = (representation.actions ?? []).filter(
    (a): a is ClientOperationAction =>
      a.template === 'client-operation' && a.model.name.startsWith('webauthn-'),
  );
  const body: Child = (
    <main>
      <h1>{heading?.text ?? t(options.locale, 'page.title')}</h1>
      {messages
        .filter((m) => m !== heading)
        .map((m) => (
          <p
            class={(m.classList ?? []).join(' ')}
            role={m.classList?.includes('error') ? 'alert' : undefined}
          >
            {m.text}
          </p>
        ))}
      {options.invalidFields?.length ? (
        <ul class="invalid">
          {options.invalidFields.map((f) => (
            <li>
              {f.name}:{' '}
              {f.detail ??
                (f.reason === 'missing' ? t(options.locale, 'error.required') : f.reason)}
            </li>
          ))}
        </ul>
      ) : null}
      {Object.keys(properties).length && representation.type !== 'oauth-authorization-response' ? (
        <dl>
          {Object.entries(properties).map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </>
          ))}
        </dl>
      ) : null}
      {operations.map((action) => (
        <WebauthnOperation action={action} options={options} />
      ))}
      <div class="actions">
        {formsOf(representation.actions ?? []).map((action) => (
          <Form action={action} csrf={options.csrf} invalid={invalid} />
        ))}
      </div>
      {links.map((link) => (
        <p>
          <a href={link.href}>{link.title ?? link.rel}</a>
        </p>
      ))}
    </main>
  );
  return (
    <>
      {raw('<!doctype html>')}
      <html lang={options.locale}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{t(options.locale, 'page.title')}</title>
          <style nonce={options.nonce}>{raw(STYLE)}</style>
        </head>
        <body>
          {body}
          {operations.length && options.webauthnScript ? (
            <script src={options.webauthnScript} nonce={options.nonce} />
          ) : null}
        </body>
      </html>
    </>
  );
}
