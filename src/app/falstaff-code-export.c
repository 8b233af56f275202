/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "falstaff-code-export.h"

/* ------------------------------------------------------------------ literals */

static const char *
indent_unit (FalstaffCodeLanguage language)
{
  return language == FALSTAFF_CODE_PYTHON ? "    " : "  ";
}

static void
append_indent (GString              *out,
               FalstaffCodeLanguage  language,
               guint                 level)
{
  for (guint i = 0; i < level; i++)
    g_string_append (out, indent_unit (language));
}

/* A character the literal cannot hold as it is. Python has its own
 * escapes; JSON and JavaScript share \uXXXX, in surrogate pairs past the
 * BMP. */
static void
append_escaped_char (GString              *out,
                     FalstaffCodeLanguage  language,
                     gunichar              c)
{
  if (language == FALSTAFF_CODE_PYTHON)
    {
      if (c < 0x100)
        g_string_append_printf (out, "\\x%02x", c);
      else if (c < 0x10000)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_printf (out, "\\U%08x", c);
      return;
    }
  if (c < 0x10000)
    g_string_append_printf (out, "\\u%04x", c);
  else
    {
      c -= 0x10000;
      g_string_append_printf (out, "\\u%04x\\u%04x", 0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
    }
}

/* Shown as itself: not a control, format, private or unassigned
 * character, nor a space or line break that looks like another. */
static gboolean
is_visible (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_SPACE_SEPARATOR:
      return FALSE;
    default:
      return TRUE;
    }
}

/* A double-quoted string literal: the same spelling works in all three
 * languages for everything but the escapes of unprintable characters.
 * Printable text (accents, CJK, emoji) stays as it is: every language
 * here reads its source as UTF-8. Invisible characters are escaped, line
 * and paragraph separators too (older JavaScript ends a string at them).
 * Bytes that are not UTF-8 become U+FFFD. */
static void
append_string (GString              *out,
               FalstaffCodeLanguage  language,
               const char           *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0';)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          c = 0xfffd;
          p++;
        }
      else
        p = g_utf8_next_char (p);

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x80 && g_ascii_isprint (c))
            g_string_append_c (out, (char) c);
          else if (c >= 0x80 && is_visible (c))
            g_string_append_unichar (out, c);
          else
            append_escaped_char (out, language, c);
          break;
        }
    }
  g_string_append_c (out, '"');
}

/* The shortest spelling that reads back as the same double, always with
 * a point or an exponent so that it stays a float in Python. */
static void
append_double (GString              *out,
               FalstaffCodeLanguage  language,
               double                value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      /* JSON has no such number; json-glib never parses one. */
      g_string_append (out, language == FALSTAFF_CODE_PYTHON ? "None" : "null");
      return;
    }
  for (int precision = 15; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  g_string_append (out, buffer);
  if (strpbrk (buffer, ".e") == NULL)
    g_string_append (out, ".0");
}

/* JavaScript writes a key bare when it is an identifier. */
static gboolean
is_identifier (const char *name)
{
  if (name[0] == '\0' || g_ascii_isdigit (name[0]))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '$')
      return FALSE;
  return TRUE;
}

static void append_value (GString              *out,
                          FalstaffCodeLanguage  language,
                          JsonNode             *node,
                          guint                 level);

/* Python and JavaScript put a comma after the last member too, as their
 * formatters do; JSON may not. */
static void
append_separator (GString              *out,
                  FalstaffCodeLanguage  language,
                  gboolean              last)
{
  if (!last || language != FALSTAFF_CODE_CURL)
    g_string_append_c (out, ',');
  g_string_append_c (out, '\n');
}

static void
append_object (GString              *out,
               FalstaffCodeLanguage  language,
               JsonObject           *object,
               guint                 level)
{
  GList *members = json_object_get_members (object);

  if (members == NULL)
    {
      g_string_append (out, "{}");
      return;
    }
  g_string_append (out, "{\n");
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;

      append_indent (out, language, level + 1);
      if (language == FALSTAFF_CODE_JAVASCRIPT && is_identifier (name))
        g_string_append (out, name);
      else
        append_string (out, language, name);
      g_string_append (out, ": ");
      append_value (out, language, json_object_get_member (object, name), level + 1);
      append_separator (out, language, l->next == NULL);
    }
  append_indent (out, language, level);
  g_string_append_c (out, '}');
  g_list_free (members);
}

static void
append_array (GString              *out,
              FalstaffCodeLanguage  language,
              JsonArray            *array,
              guint                 level)
{
  guint n = json_array_get_length (array);

  if (n == 0)
    {
      g_string_append (out, "[]");
      return;
    }
  g_string_append (out, "[\n");
  for (guint i = 0; i < n; i++)
    {
      append_indent (out, language, level + 1);
      append_value (out, language, json_array_get_element (array, i), level + 1);
      append_separator (out, language, i + 1 == n);
    }
  append_indent (out, language, level);
  g_string_append_c (out, ']');
}

static void
append_value (GString              *out,
              FalstaffCodeLanguage  language,
              JsonNode             *node,
              guint                 level)
{
  gboolean python = language == FALSTAFF_CODE_PYTHON;

  switch (node ? json_node_get_node_type (node) : JSON_NODE_NULL)
    {
    case JSON_NODE_OBJECT:
      append_object (out, language, json_node_get_object (node), level);
      return;
    case JSON_NODE_ARRAY:
      append_array (out, language, json_node_get_array (node), level);
      return;
    case JSON_NODE_NULL:
      g_string_append (out, python ? "None" : "null");
      return;
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      if (json_node_get_boolean (node))
        g_string_append (out, python ? "True" : "true");
      else
        g_string_append (out, python ? "False" : "false");
      break;
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      append_double (out, language, json_node_get_double (node));
      break;
    case G_TYPE_STRING:
      append_string (out, language, json_node_get_string (node));
      break;
    default:
      /* json-glib holds no other kind of value. */
      g_string_append (out, python ? "None" : "null");
      break;
    }
}

char *
falstaff_code_export_literal (FalstaffCodeLanguage  language,
                              JsonNode             *value,
                              guint                 level)
{
  GString *out = g_string_new (NULL);

  append_value (out, language, value, level);
  return g_string_free (out, FALSE);
}

char *
falstaff_code_export_shell_quote (const char *text)
{
  GString *out = g_string_new ("'");

  g_return_val_if_fail (text != NULL, NULL);

  for (const char *p = text; *p; p++)
    {
      /* Nothing is special inside single quotes but the quote itself:
       * close, an escaped quote, open again. */
      if (*p == '\'')
        g_string_append (out, "'\\''");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ programs */

typedef struct {
  const char *fal;
  const char *used;
} HostPair;

static char *
strip_slash (const char *url)
{
  char *copy = g_strdup (url);
  gsize length = strlen (copy);

  while (length > 0 && copy[length - 1] == '/')
    copy[--length] = '\0';
  return copy;
}

static char *
export_curl (const char              *endpoint_id,
             const FalstaffCodeHosts *hosts,
             JsonNode                *input)
{
  g_autofree char *run = strip_slash (hosts->run_url ? hosts->run_url : FAL_DEFAULT_RUN_URL);
  g_autofree char *url = g_strconcat (run, "/", endpoint_id, NULL);
  g_autofree char *quoted_url = falstaff_code_export_shell_quote (url);
  g_autofree char *body = falstaff_code_export_literal (FALSTAFF_CODE_CURL, input, 0);
  g_autofree char *quoted_body = falstaff_code_export_shell_quote (body);

  /* A synchronous call prints the output itself; the key is the shell's
   * to expand, in double quotes. No comment line: an interactive zsh
   * would take '#' for a command. */
  return g_strdup_printf ("curl --silent --show-error --request POST \\\n"
                          "  --url %s \\\n"
                          "  --header \"Authorization: Key $FAL_KEY\" \\\n"
                          "  --header 'Content-Type: application/json' \\\n"
                          "  --data-raw %s\n",
                          quoted_url, quoted_body);
}

static char *
export_python (const char              *endpoint_id,
               const FalstaffCodeHosts *hosts,
               JsonNode                *input)
{
  GString *out = g_string_new (NULL);
  g_autofree char *arguments = falstaff_code_export_literal (FALSTAFF_CODE_PYTHON, input, 1);

  g_string_append (out, "# pip install fal-client; the key is read from the FAL_KEY environment variable.\n");
  if (hosts->queue_url && g_strcmp0 (hosts->queue_url, FAL_DEFAULT_QUEUE_URL) != 0)
    {
      g_autofree char *queue = strip_slash (hosts->queue_url);

      /* Not a literal: a comment line may hold anything but a newline. */
      g_strdelimit (queue, "\r\n", ' ');
      g_string_append_printf (out, "# Falstaff calls the server at %s; fal_client calls fal.ai.\n", queue);
    }
  g_string_append (out,
                   "import json\n"
                   "\n"
                   "import fal_client\n"
                   "\n"
                   "# Each update has the whole log so far: print the new lines.\n"
                   "printed = 0\n"
                   "\n"
                   "\n"
                   "def on_queue_update(update):\n"
                   "    global printed\n"
                   "    if isinstance(update, fal_client.InProgress):\n"
                   "        logs = update.logs or []\n"
                   "        for log in logs[printed:]:\n"
                   "            print(log[\"message\"])\n"
                   "        printed = len(logs)\n"
                   "\n"
                   "\n"
                   "result = fal_client.subscribe(\n"
                   "    ");
  append_string (out, FALSTAFF_CODE_PYTHON, endpoint_id);
  g_string_append_printf (out,
                          ",\n"
                          "    arguments=%s,\n"
                          "    with_logs=True,\n"
                          "    on_queue_update=on_queue_update,\n"
                          ")\n"
                          "print(json.dumps(result, indent=2, ensure_ascii=False))\n",
                          arguments);
  return g_string_free (out, FALSE);
}

static char *
export_javascript (const char              *endpoint_id,
                   const FalstaffCodeHosts *hosts,
                   JsonNode                *input)
{
  GString *out = g_string_new (NULL);
  g_autofree char *literal = falstaff_code_export_literal (FALSTAFF_CODE_JAVASCRIPT, input, 1);
  const HostPair pairs[] = {
    { FAL_DEFAULT_QUEUE_URL, hosts->queue_url },
    { FAL_DEFAULT_RUN_URL, hosts->run_url },
    { FAL_DEFAULT_REST_URL, hosts->rest_url },
  };
  gboolean elsewhere = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    elsewhere |= pairs[i].used && g_strcmp0 (pairs[i].used, pairs[i].fal) != 0;

  g_string_append (out,
                   "// An ES module (save it as run.mjs): npm install @fal-ai/client;\n"
                   "// the key is read from the FAL_KEY environment variable.\n"
                   "import { fal } from \"@fal-ai/client\";\n"
                   "\n");
  if (elsewhere)
    {
      /* The client has fal's hosts built in: a middleware sends its
       * calls where the studio sends them. */
      g_string_append (out,
                       "// Falstaff calls another server than fal.ai: so does this.\n"
                       "const hosts = [\n");
      for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
        {
          g_autofree char *used = NULL;

          if (pairs[i].used == NULL || g_strcmp0 (pairs[i].used, pairs[i].fal) == 0)
            continue;
          used = strip_slash (pairs[i].used);
          g_string_append (out, "  [");
          append_string (out, FALSTAFF_CODE_JAVASCRIPT, pairs[i].fal);
          g_string_append (out, ", ");
          append_string (out, FALSTAFF_CODE_JAVASCRIPT, used);
          g_string_append (out, "],\n");
        }
      g_string_append (out,
                       "];\n"
                       "fal.config({\n"
                       "  requestMiddleware: async (request) => {\n"
                       "    for (const [from, to] of hosts) {\n"
                       "      if (request.url.startsWith(from + \"/\")) {\n"
                       "        return { ...request, url: to + request.url.slice(from.length) };\n"
                       "      }\n"
                       "    }\n"
                       "    return request;\n"
                       "  },\n"
                       "});\n"
                       "\n");
    }
  g_string_append (out,
                   "// Each update has the whole log so far: print the new lines.\n"
                   "let printed = 0;\n"
                   "const result = await fal.subscribe(");
  append_string (out, FALSTAFF_CODE_JAVASCRIPT, endpoint_id);
  g_string_append_printf (out,
                          ", {\n"
                          "  input: %s,\n"
                          "  logs: true,\n"
                          "  onQueueUpdate: (update) => {\n"
                          "    if (update.status === \"IN_PROGRESS\") {\n"
                          "      const logs = update.logs ?? [];\n"
                          "      logs.slice(printed).forEach((log) => console.log(log.message));\n"
                          "      printed = logs.length;\n"
                          "    }\n"
                          "  },\n"
                          "});\n"
                          "console.log(JSON.stringify(result.data, null, 2));\n",
                          literal);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ API */

gboolean
falstaff_code_language_from_name (const char           *name,
                                  FalstaffCodeLanguage *language)
{
  static const struct { const char *name; FalstaffCodeLanguage language; } names[] = {
    { "curl", FALSTAFF_CODE_CURL },
    { "python", FALSTAFF_CODE_PYTHON },
    { "javascript", FALSTAFF_CODE_JAVASCRIPT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i].name) == 0)
      {
        if (language)
          *language = names[i].language;
        return TRUE;
      }
  return FALSE;
}

char *
falstaff_code_export (FalstaffCodeLanguage     language,
                      const char              *endpoint_id,
                      const FalstaffCodeHosts *hosts,
                      JsonNode                *input)
{
  static const FalstaffCodeHosts fal_hosts = { NULL, NULL, NULL };

  g_return_val_if_fail (endpoint_id != NULL, NULL);
  g_return_val_if_fail (input != NULL && JSON_NODE_HOLDS_OBJECT (input), NULL);

  if (hosts == NULL)
    hosts = &fal_hosts;
  switch (language)
    {
    case FALSTAFF_CODE_CURL:
      return export_curl (endpoint_id, hosts, input);
    case FALSTAFF_CODE_PYTHON:
      return export_python (endpoint_id, hosts, input);
    case FALSTAFF_CODE_JAVASCRIPT:
      return export_javascript (endpoint_id, hosts, input);
    default:
      g_return_val_if_reached (NULL);
    }
}

char *
falstaff_code_export_for_client (FalstaffCodeLanguage  language,
                                 FalClient            *client,
                                 const char           *endpoint_id,
                                 JsonNode             *input)
{
  FalstaffCodeHosts hosts;

  g_return_val_if_fail (FAL_IS_CLIENT (client), NULL);

  hosts.queue_url = fal_client_get_queue_url (client);
  hosts.run_url = fal_client_get_run_url (client);
  hosts.rest_url = fal_client_get_rest_url (client);
  return falstaff_code_export (language, endpoint_id, &hosts, input);
}
