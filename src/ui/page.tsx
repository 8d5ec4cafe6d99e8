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
  Field,
  FormAction,
  Link,
  Message,
  Representation,
} from '../haapi/representations/types';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1d2433}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1rem}.error{color:#b00020}.actions form{display:inline-block;margin-right:.5rem}
ul.invalid{color:#b00020}dl{font-family:monospace}`;

export interface PageOptions {
  readonly locale: Locale;
  readonly csrf?: string;
  readonly nonce: string;
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
        <body>{body}</body>
      </html>
    </>
  );
}
