/**
 * @module ui/cat-page
 * The web CAT page (docs/haapi-protocol.md §7): the hidden iframe that Curity's web driver (and
 * any client written to its postMessage protocol) loads at `<token endpoint>/cat?client_id=…`. It
 * posts `loaded`; on `setup` from an allowed origin it makes a non-extractable P-256 key, runs
 * challenge → CAT → AAT (a web `challenge_response` naming the parent origin and the key) and
 * answers `ready`; on `api-request` it fetches same-origin with `Authorization: DPoP <AAT>` and a
 * fresh proof (nonce retry, AAT renewed before it expires or when refused) and answers
 * `api-response`; messages from other windows or origins are ignored. Trace ids are echoed.
 */

export interface CatPageConfig {
  readonly clientId: string;
  readonly tokenEndpoint: string;
  readonly catEndpoint: string;
  readonly allowedOrigins: readonly string[];
  readonly verifyOrigin: boolean;
}

// The page's script: plain browser JavaScript, no dependencies, WebCrypto only.
const SCRIPT = `(() => {
  const config = JSON.parse(document.getElementById('config').textContent);
  const parent = window.parent;
  const enc = new TextEncoder();
  const b64u = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  let origin = null, keys = null, jwk = null, jkt = null, aat = null, aatExpiry = 0, nonce = null, device = undefined;

  const send = (message) => { if (origin) parent.postMessage(message, origin); };
  for (const o of config.verifyOrigin ? config.allowedOrigins : ['*']) parent.postMessage({ type: 'loaded' }, o);

  async function sha256(text) { return crypto.subtle.digest('SHA-256', enc.encode(text)); }
  async function proof(method, url, token) {
    const target = new URL(url, location.href);
    const claims = { htm: method, htu: target.origin + target.pathname, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID() };
    if (nonce) claims.nonce = nonce;
    if (token) claims.ath = b64u(await sha256(token));
    const head = b64u(enc.encode(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk })));
    const body = b64u(enc.encode(JSON.stringify(claims)));
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, enc.encode(head + '.' + body));
    return head + '.' + body + '.' + b64u(signature);
  }
  async function withNonce(send) {
    let response = await send();
    for (let i = 0; i < 2; i++) {
      const fresh = response.headers.get('DPoP-Nonce');
      if (fresh) nonce = fresh;
      const challenge = (response.headers.get('WWW-Authenticate') || '') + (response.status === 400 ? await response.clone().text() : '');
      if (!(fresh && challenge.includes('use_dpop_nonce'))) break;
      response = await send();
    }
    return response;
  }
  async function bootstrap() {
    keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const pub = await crypto.subtle.exportKey('jwk', keys.publicKey);
    jwk = { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y };
    jkt = b64u(await sha256(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })));
    await renew();
  }
  async function renew() {
    const q = '?client_id=' + encodeURIComponent(config.clientId);
    const c = await fetch(config.catEndpoint + q, { headers: { accept: 'application/json' }, credentials: 'omit' });
    if (!c.ok) throw new Error('challenge refused: ' + c.status);
    const { challenge } = await c.json();
    const response = JSON.stringify({ platform: 'web', origin, jkt, deviceIdentifier: device });
    const t = await fetch(config.catEndpoint + q, { method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ challenge, challenge_response: response }) });
    if (!t.ok) throw new Error('attestation refused: ' + t.status);
    const { cat } = await t.json();
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: config.clientId, scope: 'urn:se:curity:scopes:haapi', client_assertion_type: 'urn:se:curity:attestation:client', client_assertion: cat });
    const a = await withNonce(async () => fetch(config.tokenEndpoint, { method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await proof('POST', config.tokenEndpoint) }, body: form }));
    if (!a.ok) throw new Error('token refused: ' + a.status);
    const token = await a.json();
    aat = token.access_token;
    aatExpiry = Date.now() + (token.expires_in - 30) * 1000;
  }
  async function relay(href, init) {
    if (new URL(href, location.href).origin !== location.origin) throw new Error('only same-origin requests are relayed');
    if (!aat || Date.now() > aatExpiry) await renew();
    const call = async () => fetch(href, {
      method: init.method || 'GET',
      credentials: 'omit',
      body: init.body,
      headers: { ...(init.headers || {}), authorization: 'DPoP ' + aat, dpop: await proof(init.method || 'GET', href, aat) },
    });
    let response = await withNonce(call);
    if (response.status === 401 && /invalid_token/.test(response.headers.get('WWW-Authenticate') || '')) {
      await renew();
      response = await withNonce(call);
    }
    const headers = {};
    response.headers.forEach((value, name) => { headers[name] = value; });
    const body = response.status === 204 || response.status === 304 ? null : await response.text();
    return { body, init: { status: response.status, statusText: response.statusText, headers } };
  }

  window.addEventListener('message', async (event) => {
    if (event.source !== parent) return;
    if (config.verifyOrigin && !config.allowedOrigins.includes(event.origin)) return;
    const { type, data, traceId } = event.data || {};
    if (type === 'reload') { location.reload(); return; }
    if (type === 'setup') {
      origin = event.origin;
      device = data && typeof data.deviceIdentifier === 'string' ? data.deviceIdentifier.slice(0, 128) : undefined;
      try { await bootstrap(); send({ type: 'ready', traceId }); }
      catch (err) { send({ type: 'error', data: String(err && err.message || err), traceId }); }
      return;
    }
    if (type === 'api-request') {
      if (event.origin !== origin) return;
      if (!keys) { send({ type: 'reload', traceId }); return; }
      try { send({ type: 'api-response', data: await relay(data.href, data.init || {}), traceId }); }
      catch (err) { send({ type: 'error', data: String(err && err.message || err), traceId }); }
    }
  });
})();`;

const escapeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function catPage(config: CatPageConfig, nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edge-haapi</title></head>
<body>
<script type="application/json" id="config">${escapeJson(config)}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>`;
}
