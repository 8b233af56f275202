/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define FAL_ERROR (fal_error_quark ())

/* What a caller (a UI) acts on; the HTTP details ride along. */
typedef enum {
  FAL_ERROR_INVALID_ENDPOINT,  /* the endpoint id does not parse */
  FAL_ERROR_MISSING_KEY,       /* no credentials anywhere */
  FAL_ERROR_UNAUTHORIZED,      /* 401 */
  FAL_ERROR_FORBIDDEN,         /* 403 */
  FAL_ERROR_NOT_FOUND,         /* 404 */
  FAL_ERROR_VALIDATION,        /* 422: see fal_error_get_field_errors() */
  FAL_ERROR_RATE_LIMITED,      /* 429, or a Retry-After past the call's cap */
  FAL_ERROR_TIMEOUT,           /* 504, 408, a start timeout, or our own deadline */
  FAL_ERROR_SERVER,            /* other 5xx */
  FAL_ERROR_NETWORK,           /* no HTTP answer: connection, DNS, TLS, dropped body */
  FAL_ERROR_PROTOCOL,          /* an answer that breaks the protocol: bad JSON, wrong shape */
  FAL_ERROR_CANCELLED,         /* cancelled by the user (499 client_cancelled too) */
  FAL_ERROR_APP,               /* the model failed (COMPLETED with error, other 4xx) */
  FAL_ERROR_INSECURE_URL,      /* plain http to a non-loopback host */
} FalErrorCode;

GQuark      fal_error_quark              (void);

/* Accessors for the details carried by a FAL_ERROR (0/NULL otherwise). */
guint       fal_error_get_http_status    (const GError *error);
const char *fal_error_get_request_id     (const GError *error);
const char *fal_error_get_error_type     (const GError *error);
/* 422 field errors: objects {loc: [...], msg, type}; a plain-string
 * detail comes wrapped as [{loc: ["body"], msg: detail, type: "value_error"}]. */
JsonArray  *fal_error_get_field_errors   (const GError *error);
/* Seconds the server asked to wait (Retry-After), or -1. */
gint64      fal_error_get_retry_after    (const GError *error);
/* TRUE for a 504 with X-Fal-Request-Timeout-Type: user. */
gboolean    fal_error_is_user_timeout    (const GError *error);
/* TRUE when the run reached the model and the model failed there (a
 * COMPLETED status with error/error_type, a failed /run answer that names
 * its request, a /stream error event): a FAL_ERROR_APP whose message is
 * the model's detail and whose error type says what failed. A 422 stays
 * FAL_ERROR_VALIDATION, a start timeout FAL_ERROR_TIMEOUT, a cancellation
 * FAL_ERROR_CANCELLED. */
gboolean    fal_error_is_model_failure   (const GError *error);

/* The field errors whose loc ends with this field name. */
GPtrArray  *fal_error_field_errors_for   (const GError *error,
                                          const char   *field);

/* Builds the error for a non-2xx answer: code from the status (and
 * error_type), message from the body's detail (or the status text), and
 * the details. body may be NULL (not JSON). */
GError     *fal_error_new_from_response  (guint               http_status,
                                          SoupMessageHeaders *headers,
                                          JsonNode           *body);
GError     *fal_error_new_from_response_bytes (guint               http_status,
                                               SoupMessageHeaders *headers,
                                               GBytes             *body);
GError     *fal_error_new_literal_full   (FalErrorCode  code,
                                          const char   *message,
                                          guint         http_status,
                                          const char   *request_id,
                                          const char   *error_type);
/* Maps a GIO/libsoup transport error (G_IO_ERROR, G_RESOLVER_ERROR,
 * G_TLS_ERROR, SOUP_SESSION_ERROR) to FAL_ERROR_NETWORK, and
 * G_IO_ERROR_CANCELLED to FAL_ERROR_CANCELLED; a FAL_ERROR is copied. */
GError     *fal_error_new_from_transport (const GError *error);

/* One line for a person: "Validation failed: prompt: Field required",
 * "The model failed on fal's side: <detail> (runner_server_error)",
 * "Cancelled" (never an HTTP 499). */
char       *fal_error_describe           (const GError *error);

G_END_DECLS
