/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "fal-local-server.h"

G_BEGIN_DECLS

/* A local fal server on a free port plus a SoupSession that talks to it
 * over real HTTP. The server runs on its own thread; everything here runs
 * on the test's thread and its default GMainContext. */
typedef struct {
  FalLocalServer *server;
  SoupSession *session;
  char *url;                   /* http://127.0.0.1:PORT */
} FalTestServer;

FalTestServer *fal_test_server_new   (double         speed,
                                      guint          runners,
                                      guint          keepalive_ms);
/* The same with more server properties set before start: name, value,
 * …, NULL. */
FalTestServer *fal_test_server_new_with (double      speed,
                                         guint       runners,
                                         guint       keepalive_ms,
                                         const char *first_property,
                                         ...);
void           fal_test_server_free  (FalTestServer *ts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalTestServer, fal_test_server_free)

/* path_or_url: "/queue/…" below the server, or an absolute URL. */
char          *fal_test_url          (FalTestServer *ts,
                                      const char    *path_or_url);

/* A message with Authorization: Key <default key> and, when json_body is
 * not NULL, that body as application/json. */
SoupMessage   *fal_test_message      (FalTestServer *ts,
                                      const char    *method,
                                      const char    *path_or_url,
                                      const char    *json_body);
void           fal_test_message_set_bytes (SoupMessage *msg,
                                           const char  *content_type,
                                           GBytes      *bytes);

typedef struct {
  guint status;                /* 0 on a transport error */
  SoupMessageHeaders *headers; /* response headers */
  GBytes *body;                /* never NULL after a success */
  JsonNode *json;              /* NULL unless the body parses to a root */
  GError *error;               /* transport error */
} FalTestResponse;

void           fal_test_response_free (FalTestResponse *response);

/* The four things a queue submit answers, kept for the calls after it. */
typedef struct {
  char *request_id;
  char *status_url;
  char *response_url;
  char *cancel_url;
} FalTestJob;

/* From a submit's 200 answer (not checked here). */
FalTestJob *fal_test_job_new  (FalTestResponse *submitted);
void        fal_test_job_free (FalTestJob      *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalTestJob, fal_test_job_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalTestResponse, fal_test_response_free)

/* Sends and reads the whole body; the client gives up (G_IO_ERROR_CANCELLED)
 * after timeout_ms. */
FalTestResponse *fal_test_send_with_timeout (FalTestServer *ts,
                                             SoupMessage   *msg,
                                             guint          timeout_ms);
FalTestResponse *fal_test_send       (FalTestServer *ts,
                                      SoupMessage   *msg);
FalTestResponse *fal_test_call       (FalTestServer *ts,
                                      const char    *method,
                                      const char    *path_or_url,
                                      const char    *json_body);

const char    *fal_test_response_header (FalTestResponse *response,
                                         const char      *name);
/* Asserts the body is a JSON object. */
JsonObject    *fal_test_response_object (FalTestResponse *response);
/* A string member of the body object, or NULL. */
const char    *fal_test_response_string (FalTestResponse *response,
                                         const char      *member);
void           fal_test_assert_detail   (FalTestResponse *response,
                                         guint            status);

/* NULL when the text is not JSON, or json-glib 1.6 gives a NULL root
 * (which it does for an empty or blank document). */
JsonNode      *fal_test_parse_json   (const char *data,
                                      gssize      length);
const char    *fal_test_object_string (JsonObject *object,
                                       const char *member);

/* Runs the default main context for ms, or until condition(data) holds;
 * FALSE when the deadline came first. Never a bare sleep. */
typedef gboolean (*FalTestCondition) (gpointer data);
gboolean       fal_test_wait_until   (FalTestCondition condition,
                                      gpointer         data,
                                      guint            timeout_ms);
void           fal_test_wait_ms      (guint ms);

/* Queue helpers. */
FalTestResponse *fal_test_submit     (FalTestServer *ts,
                                      const char    *endpoint_id,
                                      const char    *json_body,
                                      const char    *priority);
/* Polls a status URL every ~20 ms until the status is `status`; returns
 * that status body. Fails the test after timeout_ms. */
JsonObject    *fal_test_wait_status  (FalTestServer *ts,
                                      const char    *status_url,
                                      const char    *status,
                                      guint          timeout_ms);

/* An event stream read as it arrives. */
typedef struct {
  char *data;                  /* the joined data: lines */
  gint64 time;                 /* monotonic µs when it was complete */
} FalTestSseEvent;

typedef struct {
  FalTestServer *ts;
  SoupMessage *msg;
  GCancellable *cancellable;
  GInputStream *stream;
  guint status;
  GString *buffer;
  GString *data;
  gboolean have_data;
  GPtrArray *events;           /* FalTestSseEvent */
  guint n_comments;
  GPtrArray *comments;         /* char*, in order */
  GPtrArray *order;            /* "e" or "c" per item, to see interleaving */
  gboolean headers_done;
  gboolean reading;
  gboolean eof;
  GError *error;
  GBytes *raw;                 /* all body bytes read */
  GByteArray *raw_buffer;
} FalTestSse;

/* Sends and waits for the response headers (fails after 30 s). */
FalTestSse    *fal_test_sse_open     (FalTestServer *ts,
                                      SoupMessage   *msg);
gboolean       fal_test_sse_wait_events (FalTestSse *sse,
                                         guint       n,
                                         guint       timeout_ms);
/* Until the body ends (cleanly or with an error). */
gboolean       fal_test_sse_wait_end (FalTestSse *sse,
                                      guint       timeout_ms);
JsonObject    *fal_test_sse_event_object (FalTestSse *sse,
                                          guint       index);
void           fal_test_sse_free     (FalTestSse *sse);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalTestSse, fal_test_sse_free)

/* The control routes. */
JsonArray     *fal_test_request_log  (FalTestServer *ts);
void           fal_test_clear_request_log (FalTestServer *ts);
void           fal_test_add_fault    (FalTestServer *ts,
                                      const char    *method,
                                      const char    *path_regex,
                                      guint          count,
                                      const char    *spec);
void           fal_test_clear_faults (FalTestServer *ts);

/* Storage: initiate + PUT; returns the file_url. */
char          *fal_test_upload       (FalTestServer *ts,
                                      GBytes        *bytes,
                                      const char    *content_type,
                                      const char    *file_name);
/* GET of a URL that must answer 200; content_type out may be NULL. */
GBytes        *fal_test_download     (FalTestServer *ts,
                                      const char    *url,
                                      char         **content_type);

/* A plain TCP connection to the server, for clients that misbehave. */
GSocketConnection *fal_test_raw_connect (FalTestServer *ts);
void           fal_test_raw_write    (GSocketConnection *connection,
                                      const char        *text);
/* Reads until `needle` (NULL: nothing) has been seen or the peer closes
 * or timeout_ms; returns what was read. */
char          *fal_test_raw_read_until (GSocketConnection *connection,
                                        const char        *needle,
                                        guint              timeout_ms);

/* One request on its own connection (with the key, Content-Length and
 * Connection: close; extra_headers are "Name: value\r\n" lines or NULL);
 * returns all bytes of the answer up to the close. For what libsoup's
 * client hides: libsoup 3.2 takes a body cut at a chunk boundary, or
 * short of its Content-Length, as complete. */
char          *fal_test_raw_request  (FalTestServer *ts,
                                      const char    *method,
                                      const char    *path,
                                      const char    *extra_headers,
                                      const char    *body,
                                      guint          timeout_ms);
/* The body of a raw answer: the part after the head, de-chunked when
 * chunked; *complete tells whether the body was properly ended (the last
 * chunk, or the whole Content-Length). */
GBytes        *fal_test_raw_body     (const char    *answer,
                                      gboolean      *complete);

/* With subdir NULL, counts the files the server's CDN holds (finished
 * uploads and outputs, on disk or, when small, in memory); else the
 * files in that folder of its data directory: "uploads" (parts, partial
 * PUTs), "." (the files written to the disk). */
guint          fal_test_count_files  (FalTestServer *ts,
                                      const char    *subdir);
/* A FalTestCondition on a FalTestServer: no part or partial PUT left in
 * its uploads/ folder. */
gboolean       fal_test_no_partial_uploads (gpointer ts);
/* Waits until GET url answers 404 (a stored file that expired); any
 * answer but 200 or 404 meanwhile fails the test. The 404, or NULL when
 * timeout_ms passed first. */
FalTestResponse *fal_test_wait_file_gone (FalTestServer *ts,
                                          const char    *url,
                                          guint          timeout_ms);

/* Deletes a directory and everything below it (symlinks are not
 * followed). */
void fal_test_remove_tree (const char *path);

G_END_DECLS
