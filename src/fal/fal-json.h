/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Bodies above this are parsed in a worker thread, so a huge result or a
 * 100,000-line log never stalls the caller's main loop. */
#define FAL_JSON_THREAD_THRESHOLD (256 * 1024)

/* Arrays and objects nested deeper than this are refused before parsing:
 * json-glib parses (and prints) by recursion, and 100,000 nested arrays
 * overflow the stack. fal's own answers nest a few levels. */
#define FAL_JSON_MAX_DEPTH 256

/* Parses JSON strictly enough for the protocol: json-glib 1.6 answers an
 * empty document with success and a NULL root; that is an error here.
 * Past FAL_JSON_MAX_DEPTH levels it is an error too. */
JsonNode   *fal_json_parse        (const char  *data,
                                   gsize        length,
                                   GError     **error);
/* Parses off the caller's thread when the bytes are big. */
void        fal_json_parse_async  (GBytes              *bytes,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
JsonNode   *fal_json_parse_finish (GAsyncResult  *result,
                                   GError       **error);

/* Typed member access that tolerates any JSON: NULL/fallback when the
 * member is absent or of another type. */
const char *fal_json_get_string   (JsonObject *object,
                                   const char *member);
gboolean    fal_json_get_int      (JsonObject *object,
                                   const char *member,
                                   gint64     *value);
gboolean    fal_json_get_double   (JsonObject *object,
                                   const char *member,
                                   double     *value);
JsonObject *fal_json_get_object   (JsonObject *object,
                                   const char *member);
JsonArray  *fal_json_get_array    (JsonObject *object,
                                   const char *member);
char       *fal_json_to_string    (JsonNode   *node,
                                   gboolean    pretty);
/* Drops a reference in a worker thread: freeing a 100,000-line tree takes
 * tens of milliseconds the caller's main loop should not spend. */
void        fal_json_unref_later  (JsonNode   *node);

/* json_node_copy() shares objects and arrays; this does not. */
JsonNode   *fal_json_deep_copy    (JsonNode   *node);

G_END_DECLS
