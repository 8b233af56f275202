// SPDX-License-Identifier: GPL-3.0-or-later
// What a web app does with fal, from an origin that is not the server's:
// the official client's queue, stream, run, upload and proxy flows, and
// plain fetch() for what it does not cover (schemas, the Platform API,
// reading response headers); then temporary tokens as a web app uses them
// (the client's "client" connection mode, and a token from the page's
// backend with no key in the page) and a webhook. Every flow's outcome
// goes to /report (this page's own server) as one JSON object;
// test-browser checks it.
'use strict';

const params = new URLSearchParams(location.search);
const BASE = params.get('base');
const KEY = params.get('key');
const SPEED = Number(params.get('speed') || '1');
const SDXL = 'fal-ai/fast-sdxl';
const INPUT = { prompt: 'a lighthouse seen from a browser', num_inference_steps: 2, image_size: 'square', seed: 3 };
const results = { origin: location.origin, userAgent: navigator.userAgent };

function log(text) {
  document.getElementById('log').textContent += text + '\n';
}

// fal's hosts, sent to the local server instead (as the conformance kit does).
const HOSTS = {
  'queue.fal.run': '/queue',
  'fal.run': '/run',
  'rest.fal.ai': '/rest',
  'rest.alpha.fal.ai': '/rest',
  'api.fal.ai': '/api',
  'fal.ai': '/web',
};

function toLocal(url) {
  const parsed = new URL(url);
  const prefix = HOSTS[parsed.host];
  return prefix === undefined ? url : BASE + prefix + parsed.pathname + parsed.search;
}

function localFetch(input, init) {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return fetch(toLocal(url), init);
}

function errorOf(e) {
  return { ok: false, error: String(e && e.stack ? e.stack : e), status: e && e.status, body: e && e.body };
}

// No flow may hang the page: the report must come, naming what failed.
const FLOW_TIMEOUT_MS = 30000;

function timeout(ms, what) {
  let id;
  const promise = new Promise((_, reject) => {
    id = setTimeout(() => reject(new Error(what + ' timed out after ' + ms + ' ms')), ms);
  });
  promise.clear = () => clearTimeout(id);
  return promise;
}

async function flow(name, fn) {
  const limit = timeout(FLOW_TIMEOUT_MS, 'flow ' + name);
  try {
    results[name] = Object.assign({ ok: true }, await Promise.race([fn(), limit]));
  } catch (e) {
    results[name] = errorOf(e);
  } finally {
    limit.clear();
  }
  log(name + ': ' + JSON.stringify(results[name]));
}

async function main() {
  const { createFalClient, ApiError } = requireModule('@fal-ai/client');
  const fal = createFalClient({ credentials: KEY, fetch: localFetch, suppressLocalCredentialsWarning: true });

  // Submit (preflighted: Authorization, JSON), poll, stream the status
  // with fetch (EventSource cannot send a key), then the result, whose
  // requestId the client reads from x-fal-request-id.
  await flow('queue', async () => {
    const submitted = await fal.queue.submit(SDXL, { input: INPUT, priority: 'low' });
    const status = await fal.queue.status(SDXL, { requestId: submitted.request_id, logs: true });
    const stream = await fal.queue.streamStatus(SDXL, { requestId: submitted.request_id, logs: true });
    const seen = [];
    for await (const event of stream)
      seen.push(event.status);
    const done = await stream.done();
    const result = await fal.queue.result(SDXL, { requestId: submitted.request_id });
    const image = await fetch(result.data.images[0].url);
    const bytes = new Uint8Array(await image.arrayBuffer());
    return {
      requestId: submitted.request_id,
      firstStatus: status.status,
      streamed: seen,
      doneStatus: done.status,
      resultRequestId: result.requestId,
      imageStatus: image.status,
      imageType: image.headers.get('content-type'),
      imageBytes: bytes.length,
      imageLength: image.headers.get('content-length'),
    };
  });

  // The same submit by hand: the headers a page reads must be exposed.
  await flow('fetchSubmit', async () => {
    const response = await fetch(BASE + '/queue/' + SDXL, {
      method: 'POST',
      headers: { authorization: 'Key ' + KEY, 'content-type': 'application/json', 'x-fal-queue-priority': 'low',
                 'x-fal-runner-hint': 'browser', 'x-fal-store-io': '0' },
      body: JSON.stringify(INPUT),
    });
    const body = await response.json();
    return { status: response.status, headerRequestId: response.headers.get('x-fal-request-id'), bodyRequestId: body.request_id };
  });

  await flow('runStream', async () => {
    const stream = await fal.stream(SDXL, { input: INPUT });
    let events = 0;
    for await (const event of stream)
      events += event ? 1 : 0;
    const done = await stream.done();
    return { events, images: done.images ? done.images.length : 0 };
  });

  await flow('run', async () => {
    const result = await fal.run(SDXL, { input: INPUT });
    return { requestId: result.requestId, images: result.data.images.length };
  });

  // Initiate + PUT of a Blob by the client, then the file's bytes back.
  await flow('upload', async () => {
    const text = 'hello from ' + location.origin + ' at ' + Date.now();
    const url = await fal.storage.upload(new Blob([text], { type: 'text/plain' }));
    const response = await fetch(url);
    return { url, status: response.status, same: (await response.text()) === text,
             type: response.headers.get('content-type') };
  });

  await flow('schema', async () => {
    const url = BASE + '/web/api/openapi/queue/openapi.json?endpoint_id=' + SDXL;
    const first = await fetch(url);
    const document = await first.json();
    const etag = first.headers.get('etag');
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    return { status: first.status, etag, openapi: document.openapi, revalidated: again.status };
  });

  await flow('models', async () => {
    const response = await fetch(BASE + '/api/v1/models?limit=3', { headers: { authorization: 'Key ' + KEY } });
    const body = await response.json();
    return { status: response.status, count: body.models ? body.models.length : -1 };
  });

  // A bad key: the page reads fal's 401 and its detail.
  await flow('badKey', async () => {
    const wrong = createFalClient({ credentials: 'local:wrong', fetch: localFetch, suppressLocalCredentialsWarning: true });
    let clientStatus = null, clientDetail = null, isApiError = false;
    try {
      await wrong.queue.submit(SDXL, { input: INPUT });
    } catch (e) {
      isApiError = e instanceof ApiError;
      clientStatus = e.status;
      clientDetail = e.body && e.body.detail;
    }
    const response = await fetch(BASE + '/queue/' + SDXL, {
      method: 'POST',
      headers: { authorization: 'Key local:wrong', 'content-type': 'application/json' },
      body: '{}',
    });
    return { clientStatus, clientDetail, isApiError, fetchStatus: response.status, fetchDetail: (await response.json()).detail };
  });

  // The proxy form, as a web app with a server-side proxy uses it: every
  // request to one URL, with x-fal-target-url (a preflighted header).
  await flow('proxy', async () => {
    const proxied = createFalClient({ credentials: KEY, proxyUrl: BASE + '/api/fal/proxy',
                                      suppressLocalCredentialsWarning: true });
    const result = await proxied.subscribe(SDXL, { input: INPUT, pollInterval: 50 });
    return { requestId: result.requestId, images: result.data.images.length };
  });

  // fal.stream in "client" connection mode, as 1.10.1 does it with its
  // default token provider: POST rest.fal.ai/tokens/ with the key for
  // [alias], then the stream URL with ?fal_jwt_token= and no Authorization.
  await flow('clientStream', async () => {
    const stream = await fal.stream(SDXL, { input: INPUT, connectionMode: 'client' });
    let events = 0;
    for await (const event of stream)
      events += event ? 1 : 0;
    const done = await stream.done();
    return { events, images: done.images ? done.images.length : 0, requestId: stream.requestId };
  });

  // A web app's own flow: a token from its backend (this page's server,
  // which holds the key), then the queue with the token only.
  await flow('backendToken', async () => {
    const token = await backendToken(SDXL, 120);
    const bearer = { authorization: 'Bearer ' + token };
    const submit = await fetch(BASE + '/queue/' + SDXL, {
      method: 'POST',
      headers: Object.assign({ 'content-type': 'application/json' }, bearer),
      body: JSON.stringify(INPUT),
    });
    const submitted = await submit.json();
    if (submit.status !== 200)
      throw new Error('submit with a token: ' + submit.status + ' ' + JSON.stringify(submitted));
    const first = await fetch(submitted.status_url, { headers: bearer });
    const firstStatus = (await first.json()).status;
    // EventSource cannot send headers: the token goes in the query.
    const streamed = await statusEvents(submitted.status_url + '/stream?logs=1&fal_jwt_token=' + encodeURIComponent(token));
    const result = await fetch(submitted.response_url, { headers: bearer });
    const output = await result.json();
    return {
      submitStatus: submit.status,
      requestId: submitted.request_id,
      headerRequestId: submit.headers.get('x-fal-request-id'),
      firstStatusCode: first.status,
      firstStatus,
      streamed,
      resultStatus: result.status,
      resultRequestId: result.headers.get('x-fal-request-id'),
      images: output.images ? output.images.length : 0,
    };
  });

  // The same token on another app, and an expired token: 401s whose JSON
  // detail the page can read (CORS headers on errors too).
  await flow('tokenRefused', async () => {
    const token = await backendToken(SDXL, 120);
    const other = await fetch(BASE + '/queue/fal-ai/flux/schnell', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'not for this token' }),
    });
    const otherBody = await other.json();
    const otherRun = await fetch(BASE + '/run/fal-ai/flux/schnell?fal_jwt_token=' + encodeURIComponent(token), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'not for this token' }),
    });
    const otherRunBody = await otherRun.json();
    // 1 s of token life is 1/speed s of the server's time.
    const short = await backendToken(SDXL, 1);
    await new Promise((resolve) => setTimeout(resolve, 1500 / SPEED + 100));
    const expired = await fetch(BASE + '/queue/' + SDXL, {
      method: 'POST',
      headers: { authorization: 'Bearer ' + short, 'content-type': 'application/json' },
      body: JSON.stringify(INPUT),
    });
    const expiredBody = await expired.json();
    return {
      otherStatus: other.status, otherDetail: otherBody.detail,
      otherRunStatus: otherRun.status, otherRunDetail: otherRunBody.detail,
      expiredStatus: expired.status, expiredDetail: expiredBody.detail,
    };
  });

  // A webhook to the page's server (loopback), through the client's
  // webhookUrl option (fal_webhook= on the submit).
  await flow('webhook', async () => {
    const submitted = await fal.queue.submit(SDXL, { input: INPUT, webhookUrl: location.origin + '/webhook' });
    await fal.queue.subscribeToStatus(SDXL, { requestId: submitted.request_id, mode: 'polling', pollInterval: 50 });
    const result = await fal.queue.result(SDXL, { requestId: submitted.request_id });
    return { requestId: submitted.request_id, images: result.data.images.length };
  });
}

// The page's backend issues tokens (test-browser holds the key).
async function backendToken(endpoint, expiration) {
  const response = await fetch('/token?app=' + encodeURIComponent(endpoint) + '&expiration=' + expiration);
  const token = await response.json();
  if (response.status !== 201 || typeof token !== 'string')
    throw new Error('the backend gave no token: ' + response.status + ' ' + JSON.stringify(token));
  return token;
}

// The statuses of a status stream, read with EventSource until COMPLETED.
function statusEvents(url) {
  return new Promise((resolve, reject) => {
    const source = new EventSource(url);
    const seen = [];
    const id = setTimeout(() => { source.close(); reject(new Error('status stream: no COMPLETED in 20 s, saw ' + seen)); }, 20000);
    source.onmessage = (event) => {
      const status = JSON.parse(event.data).status;
      seen.push(status);
      if (status === 'COMPLETED') {
        clearTimeout(id);
        source.close();
        resolve(seen);
      }
    };
    source.onerror = () => {
      clearTimeout(id);
      source.close();
      reject(new Error('status stream failed after ' + JSON.stringify(seen)));
    };
  });
}

main()
  .catch((e) => { results.main = errorOf(e); })
  .finally(() => fetch('/report', { method: 'POST', body: JSON.stringify(results) }));
