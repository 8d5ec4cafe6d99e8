/**
 * The browser side of the WebAuthn steps (bundled with @simplewebauthn/browser into
 * /assets/webauthn.js by scripts/build-assets.mjs). Each `section.webauthn` of a step page holds its
 * operation's options as JSON, one button per choice ("Built-in device", "Security key", …) and a
 * hidden form: the ceremony's `toJSON()` result is posted in the field of the chosen option, the
 * same field a HAAPI client posts as JSON. `data-autostart` (set by the server, see
 * ui/webauthn-interaction.ts) starts the only choice without a click. `data-state` tells tests
 * and styles where it is: idle, running, submitted, error.
 */
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';

interface Choice {
  field: string;
  // biome-ignore lint/suspicious/noExplicitAny: options JSON straight from the server
  options: any;
}

interface OperationData {
  ceremony: 'create' | 'get';
  choices: Choice[];
  messages: { cancelled: string; unsupported: string };
}

function setUp(section: HTMLElement): void {
  const data = JSON.parse(
    section.querySelector('script.webauthn-options')?.textContent ?? '{}',
  ) as OperationData;
  const form = section.querySelector('form') as HTMLFormElement;
  const input = form.querySelector('input[data-credential]') as HTMLInputElement;
  const error = section.querySelector('[data-error]') as HTMLElement;
  const buttons = [...section.querySelectorAll<HTMLButtonElement>('button[data-field]')];
  const fail = (text: string) => {
    error.textContent = text;
    error.hidden = false;
    section.dataset.state = 'error';
    for (const b of buttons) b.disabled = false;
  };
  if (!browserSupportsWebAuthn()) {
    fail(data.messages.unsupported);
    for (const b of buttons) b.disabled = true;
    return;
  }
  const run = async (choice: Choice) => {
    section.dataset.state = 'running';
    error.hidden = true;
    for (const b of buttons) b.disabled = true;
    try {
      const response =
        data.ceremony === 'create'
          ? await startRegistration({ optionsJSON: choice.options })
          : await startAuthentication({ optionsJSON: choice.options });
      input.name = choice.field;
      input.value = JSON.stringify(response);
      section.dataset.state = 'submitted';
      form.submit();
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      fail(name === 'NotAllowedError' ? data.messages.cancelled : String((err as Error).message));
    }
  };
  for (const button of buttons) {
    const choice = data.choices.find((c) => c.field === button.dataset.field);
    if (choice) button.addEventListener('click', () => void run(choice));
  }
  section.dataset.state = 'idle';
  if (section.dataset.autostart === 'true' && data.choices[0]) void run(data.choices[0]);
}

for (const section of document.querySelectorAll<HTMLElement>('section.webauthn')) setUp(section);
