/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* CORS as fal answers it, so that a page on another origin can call the
 * local server: every answer names the origin allowed and the headers a
 * page may read, and a browser's preflight is approved without a key.
 * The test-control routes (/__control/) get none of it. */

/* Whether a path (as routed, after x-fal-target-url) gets CORS at all. */
gboolean fal_local_cors_applies_to           (const char         *path);

/* OPTIONS with Origin and Access-Control-Request-Method. */
gboolean fal_local_cors_is_preflight         (const char         *method,
                                              SoupMessageHeaders *request_headers);

/* Answers a preflight: 204, the methods, the headers asked for and ours. */
void     fal_local_cors_answer_preflight     (SoupServerMessage  *msg);

/* The headers every answer carries: the origin allowed and those exposed. */
void     fal_local_cors_add_headers          (SoupMessageHeaders *request_headers,
                                              SoupMessageHeaders *response_headers);

G_END_DECLS
