#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""libfal from Python through GObject introspection (Fal-1.0.typelib),
against `falctl serve` started as a subprocess: submit with logs, follow
the request to its result, fail on an unknown endpoint, upload a file,
read an endpoint's form. TAP on stdout. Usage: test-gi-python.py FALCTL"""

import os
import subprocess
import sys
import tempfile
import threading

import gi

gi.require_version('Fal', '1.0')
gi.require_version('Json', '1.0')
from gi.repository import Fal, Gio, GLib, Json  # noqa: E402

TIMEOUT_S = 60
results = []


def tap(ok, name, detail=''):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), name), flush=True)
    if not ok and detail:
        for line in str(detail).splitlines():
            print('# ' + line, flush=True)


def run_async(start):
    """Runs one async call on a main loop: start(done) calls done(value)
    or done(exception) from its callback."""
    loop = GLib.MainLoop()
    box = {}

    def done(value):
        box['value'] = value
        loop.quit()

    def timeout():
        box['timer'] = 0
        box['value'] = TimeoutError('no answer in %d s' % TIMEOUT_S)
        loop.quit()
        return GLib.SOURCE_REMOVE

    box['timer'] = GLib.timeout_add_seconds(TIMEOUT_S, timeout)
    start(done)
    loop.run()
    if box['timer']:
        GLib.source_remove(box['timer'])
    value = box['value']
    if isinstance(value, Exception):
        raise value
    return value


def finish_cb(finish, *extra):
    """A GAsyncReadyCallback that calls finish and hands on what it gave."""
    def cb(source, result, done):
        try:
            done(finish(source, result, *extra))
        except Exception as e:  # GLib.Error
            done(e)
    return cb


def start_server(falctl):
    proc = subprocess.Popen([falctl, 'serve', '--port', '0', '--speed', '20', '--key', 'python-test:secret'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    if not line.startswith('listening '):
        proc.kill()
        raise RuntimeError('falctl serve did not start: %r' % line)
    # Keep reading so the server never blocks on a full pipe.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, line.split(' ', 1)[1].strip()


def main():
    falctl = sys.argv[1]
    for name in ('FAL_KEY_ID', 'FAL_KEY_SECRET', 'FALSTAFF_LOCAL_URL', 'FALSTAFF_PROXY_URL'):
        os.environ.pop(name, None)
    os.environ['FAL_KEY'] = 'python-test:secret'
    cache = tempfile.TemporaryDirectory()
    proc, url = start_server(falctl)
    try:
        steps(url, cache.name)
    finally:
        proc.terminate()
        proc.wait(10)
    print('1..%d' % len(results))
    return 0 if all(results) else 1


def steps(url, cache_dir):
    # The introspected API: a constructor, a method, a property.
    client = Fal.Client.new()
    client.use_local_server(url)
    tap(client.get_queue_url() == url.rstrip('/') + '/queue' and client.has_key(),
        'Fal.Client.new() pointed at the local server, with a key',
        client.get_queue_url())

    # Submit to the queue with logs; follow the request's signals.
    options = Fal.CallOptions.new()
    options.set_runner_hint('python')
    options.low_priority = True
    body = Json.from_string('{"prompt": "a lighthouse at dusk", "num_images": 1}')
    request = client.submit('fal-ai/fast-sdxl', body, options)
    tap(isinstance(request, Fal.Request) and isinstance(request, Fal.Job),
        'submit returns a Fal.Request, a Fal.Job')

    statuses = []
    request.connect('notify::status',
                    lambda r, _p: statuses.append(Fal.job_status_to_string(r.props.status)))
    finished = []
    request.connect('finished', lambda r: finished.append(r.props.status))
    result = run_async(lambda done: request.wait_async(None, finish_cb(Fal.Request.wait_finish), done))

    images = result.get_object().get_array_member('images') if result else None
    tap(images is not None and images.get_length() == 1
        and images.get_object_element(0).get_string_member('url').startswith('http'),
        'wait_async/wait_finish give the result with one image URL',
        Fal.json_to_string(result, True) if result else None)
    tap(finished == [Fal.JobStatus.COMPLETED] and statuses[-1] == 'COMPLETED'
        and 'IN_PROGRESS' in statuses and request.get_status() == Fal.RequestStatus.COMPLETED,
        '"finished" once, status notified through IN_PROGRESS to COMPLETED', statuses)
    tap(request.get_request_id() and request.props.request_id == request.get_request_id()
        and request.get_result() is not None,
        'request id and result as getters and as properties')

    logs = request.get_logs()
    messages = [logs.get_item(i).get_message() for i in range(logs.get_n_items())]
    tap(len(messages) > 0 and all(isinstance(logs.get_item(i), Fal.LogEntry)
                                  for i in range(logs.get_n_items())),
        'the log is a GListModel of Fal.LogEntry (%d lines)' % len(messages), messages)

    # One-shot queue calls as async pairs on the client.
    fetched = run_async(lambda done: client.result_async(
        'fal-ai/fast-sdxl', request.get_request_id(), None,
        finish_cb(Fal.Client.result_finish), done))
    tap(fetched.get_object().get_array_member('images').get_length() == 1,
        'result_async/result_finish fetch the same result again')

    # A wrong endpoint fails, with FAL_ERROR in the Fal.ErrorCode domain.
    try:
        client.submit('not an endpoint', body, None)
        tap(False, 'an invalid endpoint id is refused at once')
    except GLib.Error as e:
        tap(e.matches(Fal.error_quark(), Fal.ErrorCode.INVALID_ENDPOINT),
            'an invalid endpoint id is refused at once (Fal.ErrorCode.INVALID_ENDPOINT)', e)
    try:
        run_async(lambda done: client.status_async(
            'fal-ai/no-such-model', 'no-such-request', True, None,
            finish_cb(Fal.Client.status_finish), done))
        tap(False, 'status of an unknown endpoint fails')
    except GLib.Error as e:
        # PyGObject hands GErrors over as domain, code and message: the
        # details (fal_error_get_http_status()…) stay on the C side.
        tap(e.matches(Fal.error_quark(), Fal.ErrorCode.NOT_FOUND) and '404' in e.message,
            'status of an unknown endpoint fails with NOT_FOUND (HTTP 404)', e)

    # Upload a file; the URL it gives serves the bytes back.
    with tempfile.NamedTemporaryFile(suffix='.txt', delete=False) as f:
        f.write(b'hello from python\n' * 100)
        path = f.name
    try:
        upload = client.upload(Gio.File.new_for_path(path), 'text/plain')
        sent = []
        upload.connect('notify::bytes-sent', lambda u, _p: sent.append(u.get_bytes_sent()))
        file_url = run_async(lambda done: upload.wait_async(None, finish_cb(Fal.Upload.wait_finish), done))
        tap(file_url.startswith('http') and upload.get_state() == Fal.UploadState.DONE
            and upload.get_bytes_sent() == 1800 and upload.get_bytes_total() == 1800,
            'upload: DONE, 1800 bytes sent, a file URL', (file_url, upload.get_bytes_sent(), sent))

        dest = Gio.File.new_for_path(path + '.back')
        ok, size = run_async(lambda done: client.download_async(
            file_url, dest, None, finish_cb(Fal.Client.download_finish), done))
        back = open(path + '.back', 'rb').read()
        tap(ok and size == 1800 and back == b'hello from python\n' * 100,
            'download_async brings the uploaded bytes back (out parameter size)', size)
        os.unlink(path + '.back')
    finally:
        os.unlink(path)

    # An endpoint's form, from its OpenAPI document (out parameter source).
    document, source = run_async(lambda done: client.fetch_schema_full_async(
        'fal-ai/fast-sdxl', cache_dir, None, finish_cb(Fal.Client.fetch_schema_finish), done))
    tap(source == Fal.SchemaSource.FETCHED, 'fetch_schema gives the document, FETCHED', source)
    form = Fal.FormModel.new_from_openapi(document, 'fal-ai/fast-sdxl')
    names = [form.get_item(i).get_name() for i in range(form.get_n_items())]
    prompt = form.get_field('prompt')
    tap('prompt' in names and prompt.get_required()
        and prompt.get_kind() == Fal.FieldKind.LONG_TEXT,
        'the form model lists its fields; prompt is required long text', names)
    errors = form.validate()
    tap(errors is not None and errors.get_length() == 1
        and errors.get_object_element(0).get_array_member('loc').get_string_element(1) == 'prompt',
        'validate() without a prompt: one 422-shaped error on prompt',
        Fal.json_to_string(Json.Node.alloc().init_array(errors), True) if errors else None)
    try:
        form.build_body()
        tap(False, 'build_body without a prompt fails validation')
    except GLib.Error as e:
        tap(e.matches(Fal.error_quark(), Fal.ErrorCode.VALIDATION) and 'prompt' in e.message,
            'build_body without a prompt fails with Fal.ErrorCode.VALIDATION', e)
    form.set_value('prompt', Json.from_string('"a red fox"'))
    built = form.build_body()
    tap(built.get_object().get_string_member('prompt') == 'a red fox'
        and built.get_object().has_member('seed')
        and list(form.get_file_paths()) == ['loras/*/path', 'embeddings/*/path'],
        'set_value then build_body carries the prompt and a drawn seed; file paths as a strv',
        (Fal.json_to_string(built, False), form.get_file_paths()))

    again, source = run_async(lambda done: client.fetch_schema_full_async(
        'fal-ai/fast-sdxl', cache_dir, None, finish_cb(Fal.Client.fetch_schema_finish), done))
    tap(source == Fal.SchemaSource.REVALIDATED, 'a second fetch revalidates the cached copy', source)


if __name__ == '__main__':
    sys.exit(main())
