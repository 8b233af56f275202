// SPDX-License-Identifier: GPL-3.0-or-later
// libfal from GJS through GObject introspection, against falctl serve:
// the async pairs as promises (Gio._promisify), a queued run followed to
// its result, the error details of a FalError, an upload. TAP on stdout.
// Usage: gjs -m test-gi-gjs.js FALCTL
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Json from 'gi://Json?version=1.0';
import Fal from 'gi://Fal?version=1.0';
import System from 'system';

Gio._promisify(Fal.Request.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Fal.Client.prototype, 'status_async', 'status_finish');
Gio._promisify(Fal.Upload.prototype, 'wait_async', 'wait_finish');

let n = 0;
let failed = false;
function tap(ok, name, detail) {
    n++;
    failed ||= !ok;
    print(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
    if (!ok && detail !== undefined)
        print(`# ${detail}`);
}

function startServer(falctl) {
    const proc = Gio.Subprocess.new(
        [falctl, 'serve', '--port', '0', '--speed', '20', '--key', 'gjs-test:secret'],
        Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_MERGE);
    const out = new Gio.DataInputStream({base_stream: proc.get_stdout_pipe()});
    const [line] = out.read_line_utf8(null);
    if (!line || !line.startsWith('listening '))
        throw new Error(`falctl serve did not start: ${line}`);
    return [proc, line.slice('listening '.length)];
}

async function steps(url) {
    for (const name of ['FAL_KEY_ID', 'FAL_KEY_SECRET', 'FALSTAFF_LOCAL_URL', 'FALSTAFF_PROXY_URL'])
        GLib.unsetenv(name);
    GLib.setenv('FAL_KEY', 'gjs-test:secret', true);
    const client = Fal.Client.new();
    client.use_local_server(url);
    tap(client.get_run_url() === `${url}/run` && client.has_key, 'Fal.Client.new() on the local server');

    const options = Fal.CallOptions.new();
    options.set_headers(['x-test', 'gjs']);
    const input = Json.from_string('{"prompt": "a harbour at night"}');
    const request = client.submit('fal-ai/fast-sdxl', input, options);
    let finished = 0;
    request.connect('finished', () => finished++);
    const result = await request.wait_async(null);
    const images = result.get_object().get_array_member('images');
    tap(images.get_length() === 1 && finished === 1 &&
        request.status === Fal.JobStatus.COMPLETED && request.get_logs().get_n_items() > 0,
    'submit, then wait_async as a promise: one image, "finished" once, logs');

    try {
        await client.status_async('fal-ai/no-such-model', 'nope', false, null);
        tap(false, 'status of an unknown endpoint fails');
    } catch (e) {
        // GJS keeps the GError itself: libfal's details come along.
        tap(e.matches(Fal.error_quark(), Fal.ErrorCode.NOT_FOUND) &&
            Fal.error_get_http_status(e) === 404,
        'status of an unknown endpoint: NOT_FOUND, fal_error_get_http_status() 404', e);
    }

    const [file, stream] = Gio.File.new_tmp('fal-gjs-XXXXXX.txt');
    stream.output_stream.write_all(new TextEncoder().encode('x'.repeat(4096)), null);
    stream.close(null);
    const upload = client.upload(file, null);
    const fileUrl = await upload.wait_async(null);
    tap(fileUrl.startsWith('http') && upload.bytes_sent === 4096 &&
        upload.state === Fal.UploadState.DONE, 'upload of 4096 bytes gives a file URL', fileUrl);
    file.delete(null);
}

const loop = new GLib.MainLoop(null, false);
const [proc, url] = startServer(ARGV[0]);
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 60, () => {
    tap(false, 'finished within 60 s');
    loop.quit();
    return GLib.SOURCE_REMOVE;
});
steps(url).catch(e => tap(false, 'no exception', `${e}\n${e.stack}`)).finally(() => loop.quit());
loop.run();
proc.force_exit();
print(`1..${n}`);
System.exit(failed ? 1 : 0);
