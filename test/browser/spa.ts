/**
 * The example single-page app for the web-driver tests: a static page whose script speaks the
 * postMessage protocol of docs/haapi-protocol.md §7 to the CAT iframe page (a client of our own,
 * not Curity's driver), walks the HAAPI login and redeems the code with PKCE itself.
 */
export function spaHtml(issuer: string, clientId: string, redirectUri: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>SPA</title></head><body>
<p id="status">starting</p>
<script>
const TOKEN = ${JSON.stringify(`${issuer}/oauth/v2/oauth-token`)};
const CLIENT_ID = ${JSON.stringify(clientId)};
const REDIRECT_URI = ${JSON.stringify(redirectUri)};
const frameOrigin = new URL(TOKEN).origin;
const pending = new Map();
let trace = 0, sessionId = null, frame, loaded;
const loadedOnce = new Promise((resolve) => { loaded = resolve; });
window.traces = [];
window.addEventListener('message', (event) => {
  if (!frame || event.source !== frame.contentWindow || event.origin !== frameOrigin) return;
  const { type, data, traceId } = event.data || {};
  if (type === 'loaded') { loaded(); return; }
  const waiter = pending.get(traceId);
  if (!waiter) return;
  pending.delete(traceId);
  window.traces.push(traceId);
  if (type === 'error') waiter.reject(new Error(data)); else waiter.resolve(data);
});
function post(type, data, timeoutMs = 5000) {
  const traceId = ++trace;
  return new Promise((resolve, reject) => {
    pending.set(traceId, { resolve, reject });
    setTimeout(() => { if (pending.delete(traceId)) reject(new Error('timeout ' + type)); }, timeoutMs);
    frame.contentWindow.postMessage({ type, data, traceId }, frameOrigin);
  });
}
window.start = async (timeoutMs = 5000) => {
  frame = document.createElement('iframe');
  frame.style.display = 'none';
  frame.src = TOKEN + '/cat?client_id=' + encodeURIComponent(CLIENT_ID);
  document.body.appendChild(frame);
  await Promise.race([loadedOnce, new Promise((_, reject) => setTimeout(() => reject(new Error('no loaded message')), timeoutMs))]);
  await post('setup', { startedLoadingAt: Date.now(), finishedLoadingAt: Date.now(), timeout: 5, deviceIdentifier: 'spa-test-device' });
};
window.haapiFetch = async (href, init = {}) => {
  const headers = { accept: 'application/vnd.auth+json' };
  if (sessionId) headers['session-id'] = sessionId;
  if (init.body) headers['content-type'] = 'application/x-www-form-urlencoded';
  const answer = await post('api-request', { href: new URL(href, frameOrigin).href, init: { method: init.method || 'GET', headers, body: init.body, credentials: 'omit' } });
  const response = new Response(answer.body, answer.init);
  const sid = response.headers.get('set-session-id');
  if (sid) sessionId = sid;
  return response;
};
const b64u = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
window.login = async (username, password) => {
  const verifier = b64u(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64u(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const authorize = new URL('/oauth/v2/oauth-authorize', frameOrigin);
  authorize.search = new URLSearchParams({ client_id: CLIENT_ID, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', state: 'spa', code_challenge: challenge, code_challenge_method: 'S256' }).toString();
  let step = await (await window.haapiFetch(authorize.href)).json();
  const form = step.actions.find((a) => a.kind === 'login').model;
  let response = await window.haapiFetch(form.href, { method: 'POST', body: new URLSearchParams({ userName: username, password }).toString() });
  if (response.status !== 200) return { problem: await response.json(), status: response.status, type: response.headers.get('content-type') };
  step = await response.json();
  while (step.type === 'redirection-step') step = await (await window.haapiFetch(step.actions[0].model.href)).json();
  const code = step.properties.code;
  const tokens = await fetch(TOKEN, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, code, code_verifier: verifier, redirect_uri: REDIRECT_URI }) });
  return { status: tokens.status, tokens: await tokens.json(), state: step.properties.state };
};
document.getElementById('status').textContent = 'ready';
</script></body></html>`;
}
