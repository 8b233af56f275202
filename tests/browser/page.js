// SPDX-License-Identifier: GPL-3.0-or-later
// What a web app does with fal, from an origin that is not the server's:
// the official client's queue, stream, run, upload and proxy flows, and
// plain fetch() for what it does not cover (schemas, the Platform API,
// reading response headers). Every flow's outcome goes to /report (this
// page's own server) as one JSON object; test-browser checks it.
'use strict';

const params = new URLSearchParams(location.search);
const BASE = params.get('base');
const KEY = params.get('key');
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

async function flow(name, fn) {
  try {
    results[name] = Object.assign({ ok: true }, await fn());
  } catch (e) {
    results[name] = errorOf(e);
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
}

main()
  .catch((e) => { results.main = errorOf(e); })
  .finally(() => fetch('/report', { method: 'POST', body: JSON.stringify(results) }));
