/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "fault-table.h"

#define DEEP_KIND "100,000-deep JSON"

const FaultKind fault_kinds[] = {
  { "400", "status=400" },
  { "401", "status=401" },
  { "403", "status=403" },
  { "404", "status=404" },
  { "422", "status=422" },
  { "429", "status=429; retry-after=1" },
  { "500", "status=500" },
  { "502 (an HTML page)", "status=502; body=<html><body>502 Bad Gateway</body></html>" },
  { "503", "status=503" },
  { "504", "status=504" },
  { "cut mid-body", "drop=10" },
  { "short of its length", "truncate=10" },
  { "malformed JSON", "malformed" },
  { DEEP_KIND, NULL },
  { "no answer", "stall" },
};

const guint n_fault_kinds = G_N_ELEMENTS (fault_kinds);

const char *
fault_kind_spec (const FaultKind *kind)
{
  static char *deep;

  if (kind->spec)
    return kind->spec;
  /* A 200 whose body opens 100,000 arrays. */
  if (g_once_init_enter (&deep))
    {
      GString *spec = g_string_new ("status=200; body=");

      for (guint i = 0; i < 100000; i++)
        g_string_append_c (spec, '[');
      g_once_init_leave (&deep, g_string_free (spec, FALSE));
    }
  return deep;
}

gboolean
fault_kind_is_stall (const FaultKind *kind)
{
  return g_strcmp0 (kind->spec, "stall") == 0;
}

gboolean
fault_kind_answers_in_place (const FaultKind *kind)
{
  return g_str_has_prefix (fault_kind_spec (kind), "status=");
}

GRegex *
fault_table_row_filter (void)
{
  const char *only = g_getenv ("FALSTAFF_FAULT_ROWS");

  return only ? g_regex_new (only, 0, 0, NULL) : NULL;
}

gboolean
fault_table_row_wanted (GRegex     *filter,
                        const char *call,
                        const char *fault)
{
  g_autofree char *name = g_strdup_printf ("%s × %s", call, fault);

  return filter == NULL || g_regex_match (filter, name, 0, NULL);
}

char *
fault_table_mask (const char *text)
{
  static const struct { const char *pattern; const char *replacement; } masks[] = {
    { "http://127\\.0\\.0\\.1:[0-9]+", "http://127.0.0.1:PORT" },
    { "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID" },
    { "[0-9a-f]{32}", "KEY" },
    { "/tmp/fault-matrix-[A-Za-z0-9]+", "DIR" },
    /* Seeds in output names, sizes that hold a port, the part that
     * happened to fail first (parts go up in parallel). */
    { "-[0-9]{4,}-", "-SEED-" },
    { "of [0-9]+ bytes", "of N bytes" },
    { "Part [0-9]+ of", "Part N of" },
    { "for part [0-9]+", "for part N" },
    { "\\|", "\\\\|" },
    { "\n", " " },
  };
  char *masked = g_strdup (text);

  for (guint i = 0; i < G_N_ELEMENTS (masks); i++)
    {
      g_autoptr(GRegex) regex = g_regex_new (masks[i].pattern, 0, 0, NULL);
      char *next = g_regex_replace (regex, masked, -1, 0, masks[i].replacement, 0, NULL);

      g_free (masked);
      masked = next;
    }
  return masked;
}

gboolean
fault_table_has_request_id (const char *text)
{
  g_autoptr(GRegex) uuid = g_regex_new ("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 0, 0, NULL);

  return text != NULL && g_regex_match (uuid, text, 0, NULL);
}

void
fault_table_check_docs (const char *marker,
                        const char *table)
{
  g_autofree char *path = g_build_filename (g_getenv ("FALSTAFF_DOCS"), "reliability.md", NULL);
  g_autofree char *begin_mark = g_strdup_printf ("<!-- %s:begin -->\n", marker);
  g_autofree char *end_mark = g_strdup_printf ("<!-- %s:end -->", marker);
  g_autofree char *written_name = g_strconcat (marker, ".md", NULL);
  g_autofree char *written = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), written_name, NULL);
  g_autofree char *text = NULL;
  g_autofree char *documented = NULL;
  g_autoptr(GError) error = NULL;
  const char *begin, *end;

  g_assert_true (g_file_set_contents (written, table, -1, &error));
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  begin = strstr (text, begin_mark);
  end = strstr (text, end_mark);
  g_assert_nonnull (begin);
  g_assert_nonnull (end);
  begin += strlen (begin_mark);
  documented = g_strndup (begin, end - begin);
  if (g_str_equal (documented, table))
    return;

  if (g_strcmp0 (g_getenv ("FALSTAFF_UPDATE_DOCS"), "1") == 0)
    {
      g_autoptr(GString) updated = g_string_new_len (text, begin - text);

      g_string_append (updated, table);
      g_string_append (updated, end);
      g_assert_true (g_file_set_contents (path, updated->str, -1, &error));
      g_test_message ("docs/reliability.md: the table %s was rewritten", marker);
      return;
    }
  g_error ("The table %s differs from docs/reliability.md: compare it with %s (diff -u), and if the new "
           "behaviour is right, run this test with FALSTAFF_UPDATE_DOCS=1", marker, written);
}
