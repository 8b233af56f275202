/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/**
 * FAL_ERROR:
 *
 * The error domain of libfal: codes are #FalErrorCode.
 */
#define FAL_ERROR (fal_error_quark ())

/**
 * FalErrorCode:
 * @FAL_ERROR_INVALID_ENDPOINT: the endpoint id does not parse
 * @FAL_ERROR_MISSING_KEY: no credentials anywhere
 * @FAL_ERROR_UNAUTHORIZED: 401
 * @FAL_ERROR_FORBIDDEN: 403
 * @FAL_ERROR_NOT_FOUND: 404
 * @FAL_ERROR_VALIDATION: 422: see fal_error_get_field_errors()
 * @FAL_ERROR_RATE_LIMITED: 429, or a Retry-After past the call's cap
 * @FAL_ERROR_TIMEOUT: 504, 408, a start timeout, or our own deadline
 * @FAL_ERROR_SERVER: other 5xx
 * @FAL_ERROR_NETWORK: no HTTP answer: connection, DNS, TLS, dropped body
 * @FAL_ERROR_PROTOCOL: an answer that breaks the protocol: bad JSON, wrong shape
 * @FAL_ERROR_CANCELLED: cancelled by the user (499 client_cancelled too)
 * @FAL_ERROR_APP: the model failed (COMPLETED with error, other 4xx)
 * @FAL_ERROR_INSECURE_URL: plain http to a non-loopback host
 *
 * What a caller (a UI) acts on; the HTTP details ride along.
 */
typedef enum {
  FAL_ERROR_INVALID_ENDPOINT,
  FAL_ERROR_MISSING_KEY,
  FAL_ERROR_UNAUTHORIZED,
  FAL_ERROR_FORBIDDEN,
  FAL_ERROR_NOT_FOUND,
  FAL_ERROR_VALIDATION,
  FAL_ERROR_RATE_LIMITED,
  FAL_ERROR_TIMEOUT,
  FAL_ERROR_SERVER,
  FAL_ERROR_NETWORK,
  FAL_ERROR_PROTOCOL,
  FAL_ERROR_CANCELLED,
  FAL_ERROR_APP,
  FAL_ERROR_INSECURE_URL,
} FalErrorCode;

/* Named fal_error_get_type() (not fal_error_code_…) so that
 * g-ir-scanner pairs the enumeration with fal_error_quark(): bindings
 * then raise FalErrorCode values in the FAL_ERROR domain. */
#define FAL_TYPE_ERROR_CODE (fal_error_get_type ())
GType       fal_error_get_type           (void) G_GNUC_CONST;

/**
 * fal_error_quark:
 *
 * Returns: the %FAL_ERROR domain
 */
GQuark      fal_error_quark              (void);

/**
 * fal_error_get_http_status:
 * @error: (nullable): a #GError (of any domain)
 *
 * Returns: the HTTP status of a %FAL_ERROR, or 0
 */
guint       fal_error_get_http_status    (const GError *error);
/**
 * fal_error_get_request_id:
 * @error: (nullable): a #GError (of any domain)
 *
 * Returns: (transfer none) (nullable): the request id a %FAL_ERROR names, or %NULL
 */
const char *fal_error_get_request_id     (const GError *error);
/**
 * fal_error_get_error_type:
 * @error: (nullable): a #GError (of any domain)
 *
 * Returns: (transfer none) (nullable): fal's error type ("runner_server_error",
 *   "already_completed", …), or %NULL
 */
const char *fal_error_get_error_type     (const GError *error);
/**
 * fal_error_get_field_errors:
 * @error: (nullable): a #GError (of any domain)
 *
 * 422 field errors: objects {loc: [...], msg, type}; a plain-string detail
 * comes wrapped as [{loc: ["body"], msg: detail, type: "value_error"}].
 *
 * Returns: (transfer none) (nullable): the field errors, or %NULL
 */
JsonArray  *fal_error_get_field_errors   (const GError *error);
/**
 * fal_error_get_retry_after:
 * @error: (nullable): a #GError (of any domain)
 *
 * Returns: seconds the server asked to wait (Retry-After), or -1
 */
gint64      fal_error_get_retry_after    (const GError *error);
/**
 * fal_error_is_user_timeout:
 * @error: (nullable): a #GError (of any domain)
 *
 * Returns: %TRUE for a 504 with `X-Fal-Request-Timeout-Type: user`
 */
gboolean    fal_error_is_user_timeout    (const GError *error);
/**
 * fal_error_is_model_failure:
 * @error: (nullable): a #GError (of any domain)
 *
 * Whether the run reached the model and the model failed there (a
 * COMPLETED status with error/error_type, a failed /run answer that names
 * its request, a /stream error event): a %FAL_ERROR_APP whose message is
 * the model's detail and whose error type says what failed. A 422 stays
 * %FAL_ERROR_VALIDATION, a start timeout %FAL_ERROR_TIMEOUT, a
 * cancellation %FAL_ERROR_CANCELLED.
 *
 * Returns: whether the model failed
 */
gboolean    fal_error_is_model_failure   (const GError *error);

/**
 * fal_error_field_errors_for:
 * @error: a #GError
 * @field: a field name
 *
 * Returns: (transfer full) (element-type JsonObject): the field errors whose
 *   loc ends with @field
 */
GPtrArray  *fal_error_field_errors_for   (const GError *error,
                                          const char   *field);

/**
 * fal_error_new_from_response:
 * @http_status: the answer's status
 * @headers: (nullable): the answer's headers
 * @body: (nullable): the answer's body, or %NULL when it is not JSON
 *
 * Builds the error for a non-2xx answer: code from the status (and
 * error_type), message from the body's detail (or the status text), and
 * the details.
 *
 * Returns: (transfer full): the error
 */
GError     *fal_error_new_from_response  (guint               http_status,
                                          SoupMessageHeaders *headers,
                                          JsonNode           *body);
/**
 * fal_error_new_from_response_bytes:
 * @http_status: the answer's status
 * @headers: (nullable): the answer's headers
 * @body: (nullable): the answer's body
 *
 * The same as fal_error_new_from_response(), from the body's bytes.
 *
 * Returns: (transfer full): the error
 */
GError     *fal_error_new_from_response_bytes (guint               http_status,
                                               SoupMessageHeaders *headers,
                                               GBytes             *body);
/**
 * fal_error_new_literal_full:
 * @code: the code
 * @message: the message
 * @http_status: the HTTP status, or 0
 * @request_id: (nullable): the request id, or %NULL
 * @error_type: (nullable): fal's error type, or %NULL
 *
 * Returns: (transfer full): a %FAL_ERROR with its details
 */
GError     *fal_error_new_literal_full   (FalErrorCode  code,
                                          const char   *message,
                                          guint         http_status,
                                          const char   *request_id,
                                          const char   *error_type);
/**
 * fal_error_new_from_transport:
 * @error: a transport error
 *
 * Maps a GIO/libsoup transport error (%G_IO_ERROR, %G_RESOLVER_ERROR,
 * %G_TLS_ERROR, %SOUP_SESSION_ERROR) to %FAL_ERROR_NETWORK, and
 * %G_IO_ERROR_CANCELLED to %FAL_ERROR_CANCELLED; a %FAL_ERROR is copied.
 *
 * Returns: (transfer full): a %FAL_ERROR
 */
GError     *fal_error_new_from_transport (const GError *error);

/**
 * fal_error_describe:
 * @error: a #GError
 *
 * One line for a person: "Validation failed: prompt: Field required",
 * "The model failed on fal's side: <detail> (runner_server_error)",
 * "Cancelled" (never an HTTP 499).
 *
 * Returns: (transfer full): the line
 */
char       *fal_error_describe           (const GError *error);

G_END_DECLS
