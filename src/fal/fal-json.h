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

/**
 * fal_json_parse:
 * @data: (array length=length) (element-type guint8): the JSON text
 * @length: its length in bytes
 * @error: return location for an error
 *
 * Parses JSON strictly enough for the protocol: json-glib 1.6 answers an
 * empty document with success and a %NULL root; that is an error here.
 * Past %FAL_JSON_MAX_DEPTH levels it is an error too.
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 */
JsonNode   *fal_json_parse        (const char  *data,
                                   gsize        length,
                                   GError     **error);
/**
 * fal_json_parse_async:
 * @bytes: the JSON text
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: (closure): data for @callback
 *
 * Parses off the caller's thread when the bytes are big
 * (%FAL_JSON_THREAD_THRESHOLD).
 */
void        fal_json_parse_async  (GBytes              *bytes,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
/**
 * fal_json_parse_finish:
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 */
JsonNode   *fal_json_parse_finish (GAsyncResult  *result,
                                   GError       **error);

/**
 * fal_json_get_string:
 * @object: an object
 * @member: a member name
 *
 * Typed member access that tolerates any JSON.
 *
 * Returns: (transfer none) (nullable): the string, or %NULL when the member
 *   is absent or not a string
 */
const char *fal_json_get_string   (JsonObject *object,
                                   const char *member);
/**
 * fal_json_get_int:
 * @object: an object
 * @member: a member name
 * @value: (out): the integer
 *
 * Returns: %FALSE when the member is absent or not an integer
 */
gboolean    fal_json_get_int      (JsonObject *object,
                                   const char *member,
                                   gint64     *value);
/**
 * fal_json_get_double:
 * @object: an object
 * @member: a member name
 * @value: (out): the number
 *
 * Returns: %FALSE when the member is absent or not a number
 */
gboolean    fal_json_get_double   (JsonObject *object,
                                   const char *member,
                                   double     *value);
/**
 * fal_json_get_object:
 * @object: an object
 * @member: a member name
 *
 * Returns: (transfer none) (nullable): the object, or %NULL when the member
 *   is absent or not an object
 */
JsonObject *fal_json_get_object   (JsonObject *object,
                                   const char *member);
/**
 * fal_json_get_array:
 * @object: an object
 * @member: a member name
 *
 * Returns: (transfer none) (nullable): the array, or %NULL when the member
 *   is absent or not an array
 */
JsonArray  *fal_json_get_array    (JsonObject *object,
                                   const char *member);
/**
 * fal_json_to_string:
 * @node: a node
 * @pretty: whether to indent
 *
 * Returns: (transfer full): the JSON text
 */
char       *fal_json_to_string    (JsonNode   *node,
                                   gboolean    pretty);
/**
 * fal_json_unref_later:
 * @node: (transfer full): a node
 *
 * Drops a reference in a worker thread: freeing a 100,000-line tree takes
 * tens of milliseconds the caller's main loop should not spend.
 */
void        fal_json_unref_later  (JsonNode   *node);

/**
 * fal_json_deep_copy:
 * @node: a node
 *
 * json_node_copy() shares objects and arrays; this does not.
 *
 * Returns: (transfer full): a copy sharing nothing with @node
 */
JsonNode   *fal_json_deep_copy    (JsonNode   *node);

G_END_DECLS
