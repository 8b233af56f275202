#!/usr/bin/env bash
# Makes the fuzzers' seed corpora from the local server's real answers
# (and the real requests clients send it): starts `falctl serve`, talks to
# it with curl, and writes one file per input under tests/fuzz/corpus/.
# Usage: tests/fuzz/make-seeds.sh BUILD_DIR   (needs curl)
set -eu
FALCTL="$(realpath "${1:?build dir}")/src/cli/falctl"
cd "$(dirname "$0")"
C=corpus
PORT=$((20000 + RANDOM % 20000))
B=http://127.0.0.1:$PORT
K="Authorization: Key local:secret"
J="Content-Type: application/json"
mkdir -p $C/fuzz-sse $C/fuzz-answers $C/fuzz-openapi $C/fuzz-endpoint-id $C/fuzz-server-input $C/fuzz-server-http

"$FALCTL" serve --port $PORT --speed 20 --fixed-clock >/dev/null 2>&1 </dev/null &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in $(seq 50); do curl -s -o /dev/null $B/ && break; sleep 0.1; done

# The first byte of an SSE or answers input is the fuzzer's own (piece
# size, HTTP status index): seeds start with one.
with_byte () { { printf '%b' "$1"; cat; } > "$2"; }

n=0
for e in fal-ai/flux/schnell fal-ai/fast-sdxl fal-ai/any-llm fal-ai/wizper; do
  n=$((n + 1))
  body='{"prompt":"a lighthouse at dusk","num_inference_steps":2}'
  [ $e = fal-ai/wizper ] && body='{"audio_url":"'$B'/cdn/thumbnails/x.png"}'
  sub=$(curl -s -X POST -H "$K" -H "$J" -d "$body" "$B/queue/$e")
  echo "$sub" | with_byte '\x00' $C/fuzz-answers/submit-$n
  status_url=$(echo "$sub" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status_url"])')
  response_url=$(echo "$sub" | python3 -c 'import json,sys; print(json.load(sys.stdin)["response_url"])')
  curl -sN -H "$K" "$status_url/stream?logs=1" | with_byte '\x07' $C/fuzz-sse/status-stream-$n
  curl -s -H "$K" "$status_url?logs=1" | with_byte '\x00' $C/fuzz-answers/status-$n
  curl -s -H "$K" "$response_url" | with_byte '\x00' $C/fuzz-answers/result-$n
  curl -sN -X POST -H "$K" -H "$J" -d "$body" "$B/run/$e/stream" | with_byte '\x3f' $C/fuzz-sse/stream-$n
  curl -s "$B/web/api/openapi/queue/openapi.json?endpoint_id=$e" > $C/fuzz-openapi/$n.json
  echo -n "$e" > $C/fuzz-endpoint-id/$n
  { printf "\\x$(printf %02x $((n - 1)))"; echo -n "$body"; } > $C/fuzz-server-input/body-$n
done

# Error answers: 422 field errors, 401, 404, a failed job, a stream error event.
curl -s -X POST -H "$K" -H "$J" -d '{"num_inference_steps":"many"}' $B/queue/fal-ai/flux/schnell \
  | with_byte '\x06' $C/fuzz-answers/422
curl -s -X POST -H "Authorization: Key wrong:key" -H "$J" -d '{}' $B/queue/fal-ai/flux/schnell \
  | with_byte '\x01' $C/fuzz-answers/401
curl -s -H "$K" $B/queue/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status \
  | with_byte '\x03' $C/fuzz-answers/404
sub=$(curl -s -X POST -H "$K" -H "$J" -H 'x-fal-fault: fail=500; fail-type=runner_server_error' \
  -d '{"prompt":"x"}' $B/queue/fal-ai/flux/schnell)
status_url=$(echo "$sub" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status_url"])')
curl -sN -H "$K" "$status_url/stream?logs=1" | with_byte '\x10' $C/fuzz-sse/failed-stream
curl -s -H "$K" "$status_url?logs=1" | with_byte '\x08' $C/fuzz-answers/failed-status
curl -sN -X POST -H "$K" -H "$J" -H 'x-fal-fault: error-event=1' -d '{"prompt":"x"}' \
  $B/run/fal-ai/any-llm/stream | with_byte '\x01' $C/fuzz-sse/error-event
for spec in 'status=503; retry-after=2' 'stall=500' 'drop=body' 'malformed' 'log-flood=50' \
            'fail=422; fail-type=content_policy_violation'; do
  n=$((n + 1)); { printf '\x00'; echo -n "$spec"; } > $C/fuzz-server-input/fault-$n
done
for id in 'fal-ai/flux/dev' 'workflows/someone/thing/sub/path' 'comfy/x/y' 'fal-ai/flux-lora/image-to-image'; do
  n=$((n + 1)); echo -n "$id" > $C/fuzz-endpoint-id/$n
done

# Raw requests, as clients send them.
req () { printf '%b' "$2" > $C/fuzz-server-http/$1; }
req submit "POST /queue/fal-ai/flux/schnell HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key local:secret\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"prompt\":\"a boat\"}\n"
req chunked "POST /run/fal-ai/any-llm HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key local:secret\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"prompt\":\"hi\"}\n\r\n0\r\n\r\n"
req stream "POST /run/fal-ai/any-llm/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key local:secret\r\nAccept: text/event-stream\r\nContent-Length: 15\r\n\r\n{\"prompt\":\"hi\"}"
req initiate "POST /rest/storage/upload/initiate?storage_type=fal-cdn-v3 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key local:secret\r\nContent-Type: application/json\r\nContent-Length: 53\r\n\r\n{\"content_type\":\"image/png\",\"file_name\":\"a b/../c.png\"}"
req multipart "POST /rest/storage/upload/initiate-multipart HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key local:secret\r\nContent-Length: 45\r\n\r\n{\"content_type\":\"video/mp4\",\"file_name\":\"v\"}"
req schema "GET /web/api/openapi/queue/openapi.json?endpoint_id=fal-ai/flux/dev HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: \"x\"\r\n\r\n"
req status "GET /queue/fal-ai/flux/requests/0000/status/stream?logs=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key local:secret\r\n\r\n"
req fault "POST /queue/fal-ai/flux/schnell HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key local:secret\r\nx-fal-fault: status=429; retry-after=1\r\nContent-Length: 2\r\n\r\n{}"
req preflight "OPTIONS /queue/fal-ai/flux/schnell HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://example.invalid\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization\r\n\r\n"
req proxy "POST /fal/proxy HTTP/1.1\r\nHost: 127.0.0.1\r\nx-fal-target-url: https://queue.fal.run/fal-ai/flux/schnell\r\nAuthorization: Key local:secret\r\nContent-Length: 2\r\n\r\n{}"
req catalog "GET /api/v1/models?q=flux&limit=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key local:secret\r\n\r\n"
req file "GET /cdn/files/..%2f..%2fetc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
req pipelined "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /api/v1/models/pricing?endpoint_id=fal-ai/flux/dev HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key local:secret\r\n\r\n"
echo "seeds written under tests/fuzz/$C"
