/**
 * @module ui/page
 * The HTML rendering of a step ("one step logic, two renderings"): the same representation HAAPI
 * clients get as JSON becomes a server-rendered page in the theme's layout (ui/layout.tsx).
 * Forms get the flow's CSRF token; a failed form keeps what the user typed (never a password);
 * each invalid field is marked and named by its label; Cancel sits under the main action; a
 * finished flow says so instead of offering a button that cannot work.
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { MessageKey } from '../haapi/messages/catalog';
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
import { Layout, type LayoutOptions } from './layout';

export interface PageOptions extends LayoutOptions {
  readonly csrf?: string;
  /** Start a single-choice WebAuthn ceremony without a click (ui/webauthn-interaction.ts). */
  readonly webauthnAutoStart?: boolean;
  /** Where the page loads its WebAuthn script from. */
  readonly webauthnScript?: string;
  readonly invalidFields?: readonly { name: string; reason: string; detail?: string }[];
  readonly extraMessages?: readonly Message[];
  /** What the user submitted, shown again after a problem (passwords never). */
  readonly values?: ReadonlyMap<string, string>;
  /** A notice above the step, with an optional link (passkeys on an IP address). */
  readonly notice?: { readonly text: string; readonly href?: string; readonly link?: string };
  /** The flow has ended (its code was issued): no action is offered. */
  readonly finished?: boolean;
  /** The other authenticators the user may switch to (links to their steps). */
  readonly alternatives?: readonly { readonly href: string; readonly title: string }[];
}

/** Forms whose password fields set a new password. */
const NEW_PASSWORD_FORMS = new Set(['user-register']);
/** Forms shown as secondary buttons, below the main ones. */
const SECONDARY_FORMS = new Set(['cancel', 'not-now', 'dont-ask-browser', 'dont-ask']);

function autocompleteOf(field: Field, formKind: string, webauthn: boolean): string | undefined {
  if (field.type === 'username') return webauthn ? 'username webauthn' : 'username';
  if (field.type === 'password')
    return NEW_PASSWORD_FORMS.has(formKind) ? 'new-password' : 'current-password';
  if (field.kind === 'email') return 'email';
  return undefined;
}

interface FieldState {
  readonly invalid?: { reason: string; detail?: string };
  readonly value?: string;
  readonly focus: boolean;
}

function FieldInput({
  field,
  formKind,
  state,
  options,
  webauthn,
}: {
  field: Field;
  formKind: string;
  state: FieldState;
  options: PageOptions;
  webauthn: boolean;
}) {
  if (field.type === 'hidden' || field.type === 'context') {
    return <input type="hidden" name={field.name} value={field.value ?? ''} />;
  }
  const type = field.type === 'password' ? 'password' : field.kind === 'email' ? 'email' : 'text';
  const id = `f-${field.name}`;
  const error = state.invalid ? fieldError(state.invalid, options) : undefined;
  return (
    <div class="field">
      <label for={id}>{field.label ?? field.name}</label>
      <input
        id={id}
        name={field.name}
        type={type}
        value={field.type === 'password' ? undefined : (state.value ?? field.value)}
        required={field.required !== false}
        minlength={field.minLength}
        maxlength={field.maxLength}
        autocomplete={autocompleteOf(field, formKind, webauthn)}
        autocapitalize={field.type === 'username' ? 'none' : undefined}
        spellcheck={field.type === 'username' ? false : undefined}
        autofocus={state.focus}
        aria-invalid={state.invalid ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

function fieldError(invalid: { reason: string; detail?: string }, options: PageOptions): string {
  if (invalid.detail) return invalid.detail;
  const key: MessageKey = invalid.reason === 'missing' ? 'error.required' : 'error.invalid-input';
  return options.t(key);
}

function Form({
  action,
  options,
  focusFirst,
  variant,
  webauthn,
}: {
  action: FormAction;
  options: PageOptions;
  focusFirst: boolean;
  variant: 'primary' | 'secondary' | 'option';
  webauthn: boolean;
}) {
  const model = action.model;
  const invalid = new Map((options.invalidFields ?? []).map((f) => [f.name, f]));
  const visible = (model.fields ?? []).filter((f) => f.type !== 'hidden' && f.type !== 'context');
  const focusName = focusFirst
    ? (
        visible.find((f) => invalid.has(f.name)) ??
        visible.find((f) => !(options.values?.get(f.name) ?? f.value))
      )?.name
    : undefined;
  return (
    <form
      method={model.method === 'GET' ? 'get' : 'post'}
      action={model.href}
      data-kind={action.kind}
      class={variant === 'secondary' ? 'secondary-form' : undefined}
    >
      {options.csrf && model.method !== 'GET' ? (
        <input type="hidden" name="_csrf" value={options.csrf} />
      ) : null}
      {(model.fields ?? []).map((field) => (
        <FieldInput
          field={field}
          formKind={action.kind}
          options={options}
          webauthn={webauthn}
          state={{
            invalid: invalid.get(field.name),
            value: options.values?.get(field.name),
            focus: field.name === focusName,
          }}
        />
      ))}
      <button type="submit" class={`button ${variant}`}>
        {model.actionTitle ?? action.title ?? action.kind}
      </button>
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
function webauthnChoices(action: ClientOperationAction, options: PageOptions): WebauthnChoice[] {
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
      label: options.t('webauthn.platform'),
      options: publicKeyOf(args.platformCredentialCreationOptions),
    });
  if (args.crossPlatformCredentialCreationOptions)
    choices.push({
      field: 'crossPlatformCredential',
      label: options.t('webauthn.cross-platform'),
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
  const choices = webauthnChoices(action, options);
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
      cancelled: options.t('webauthn.error.cancelled'),
      unsupported: options.t('webauthn.error.unsupported'),
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
        <button type="button" class="button primary" data-field={choice.field}>
          {choice.label}
        </button>
      ))}
      <form method="post" action={next.model.href} hidden>
        {options.csrf ? <input type="hidden" name="_csrf" value={options.csrf} /> : null}
        <input type="hidden" name="credential" value="" data-credential="true" />
      </form>
      <p class="message error" role="alert" data-error="true" hidden />
    </section>
  );
}

/** The step's forms: the main ones, the selector's options, and the secondary ones. */
function formsOf(actions: readonly Action[]) {
  const main: FormAction[] = [];
  const choices: FormAction[] = [];
  const secondary: FormAction[] = [];
  for (const action of actions) {
    if (action.template === 'selector') choices.push(...action.model.options);
    else if (action.template === 'form')
      (SECONDARY_FORMS.has(action.kind) ? secondary : main).push(action);
  }
  return { main, choices, secondary };
}

/** The label of each field of the step's forms, by name (for the error summary). */
function labelsOf(actions: readonly Action[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const action of actions) {
    if (action.template !== 'form') continue;
    for (const f of action.model.fields ?? []) if (f.label) labels.set(f.name, f.label);
  }
  return labels;
}

function Messages({
  messages,
  representation,
  options,
}: {
  messages: readonly Message[];
  representation: Representation;
  options: PageOptions;
}) {
  const labels = labelsOf(representation.actions ?? []);
  const errors = messages.filter((m) => m.classList?.includes('error'));
  const others = messages.filter((m) => !m.classList?.includes('error'));
  const invalid = options.invalidFields ?? [];
  return (
    <>
      {others.map((m) => (
        <p class={['message', ...(m.classList ?? [])].join(' ')}>{m.text}</p>
      ))}
      {errors.length || invalid.length ? (
        <div class="message error" role="alert">
          {errors.map((m) => (
            <p>{m.text}</p>
          ))}
          {invalid.length ? (
            <ul>
              {invalid.map((f) => (
                <li>
                  <a href={`#f-${f.name}`}>{labels.get(f.name) ?? f.name}</a>:{' '}
                  {fieldError(f, options)}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

function headingOf(representation: Representation, options: PageOptions): string {
  const heading = (representation.messages ?? []).find((m) => m.classList?.includes('heading'));
  if (heading) return heading.text;
  if (options.finished || representation.type === 'redirection-step')
    return options.t('page.done.heading');
  const selector = (representation.actions ?? []).find((a) => a.template === 'selector');
  return selector?.title ?? options.t('page.title');
}

export function StepPage({
  representation,
  options,
}: {
  representation: Representation;
  options: PageOptions;
}) {
  const heading = headingOf(representation, options);
  const messages = [...(representation.messages ?? []), ...(options.extraMessages ?? [])].filter(
    (m) => !m.classList?.includes('heading'),
  );
  const links: Link[] = representation.links ?? [];
  const properties = representation.properties ?? {};
  const actions = options.finished ? [] : (representation.actions ?? []);
  const operations = actions.filter(
    (a): a is ClientOperationAction =>
      a.template === 'client-operation' && a.model.name.startsWith('webauthn-'),
  );
  const forms = formsOf(actions);
  const webauthn =
    operations.length > 0 || forms.main.some((f) => f.model.href.includes('webauthn'));
  const body: Child = (
    <>
      {options.notice ? (
        <p class="message notice">
          {options.notice.text}{' '}
          {options.notice.href ? <a href={options.notice.href}>{options.notice.link}</a> : null}
        </p>
      ) : null}
      <Messages messages={messages} representation={representation} options={options} />
      {representation.type === 'redirection-step' || options.finished ? (
        <p>{options.t(options.finished ? 'page.finished.text' : 'page.done.text')}</p>
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
      {forms.choices.length ? (
        <div class="choices">
          {forms.choices.map((action) => (
            <Form
              action={action}
              options={options}
              focusFirst={false}
              variant="option"
              webauthn={false}
            />
          ))}
        </div>
      ) : null}
      {forms.main.map((action, i) => (
        <Form
          action={action}
          options={options}
          focusFirst={i === 0}
          variant="primary"
          webauthn={webauthn}
        />
      ))}
      {forms.secondary.map((action) => (
        <Form
          action={action}
          options={options}
          focusFirst={false}
          variant="secondary"
          webauthn={false}
        />
      ))}
      {options.alternatives?.length && !options.finished ? (
        <nav class="links alternatives" aria-label={options.t('page.other-ways')}>
          <span class="muted">{options.t('page.other-ways')}:</span>
          {options.alternatives.map((alternative) => (
            <a href={alternative.href}>{alternative.title}</a>
          ))}
        </nav>
      ) : null}
      {links.length ? (
        <nav class="links">
          {links.map((link) => (
            <a href={link.href}>{link.title ?? link.rel}</a>
          ))}
        </nav>
      ) : null}
    </>
  );
  return (
    <Layout
      title={heading}
      options={options}
      script={operations.length ? options.webauthnScript : undefined}
    >
      {body}
    </Layout>
  );
}
