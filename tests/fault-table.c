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

static struct {
  GPtrArray *rows;
  guint next;
  guint running;
  guint parallel;
  FaultRowStart start;
} schedule;

static void
start_more (void)
{
  while (schedule.running < schedule.parallel && schedule.next < schedule.rows->len)
    {
      schedule.running++;
      schedule.start (g_ptr_array_index (schedule.rows, schedule.next++));
    }
}

void
fault_rows_run (GPtrArray     *rows,
                guint          parallel,
                FaultRowStart  start)
{
  schedule.rows = rows;
  schedule.next = 0;
  schedule.running = 0;
  schedule.parallel = parallel;
  schedule.start = start;
  start_more ();
  while (schedule.running > 0 || schedule.next < rows->len)
    g_main_context_iteration (NULL, TRUE);
  schedule.rows = NULL;
}

void
fault_rows_done (void)
{
  schedule.running--;
  start_more ();
}

void
fault_table_read_log (FalTestServer   *server,
                      const char      *method,
                      const char      *path_regex,
                      const FaultKind *kind,
                      const char      *endpoint_id,
                      guint           *met,
                      gboolean        *id_given)
{
  g_autoptr(JsonArray) log = fal_test_request_log (server);
  g_autoptr(GRegex) rule = g_regex_new (path_regex, 0, 0, NULL);
  g_autofree char *run_pattern = g_strdup_printf ("^/(queue|run)/%s(/stream)?$", endpoint_id);
  g_autoptr(GRegex) run = g_regex_new (run_pattern, 0, 0, NULL);

  *met = 0;
  *id_given = FALSE;
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      const char *entry_method = fal_test_object_string (entry, "method");
      const char *path = fal_test_object_string (entry, "path");
      gboolean met_rule = g_ascii_strcasecmp (entry_method, method) == 0 && g_regex_match (rule, path, 0, NULL);

      if (met_rule)
        (*met)++;
      if (g_str_equal (entry_method, "POST") && g_regex_match (run, path, 0, NULL) &&
          json_object_get_int_member_with_default (entry, "status", 0) == 200 &&
          !(met_rule && fault_kind_answers_in_place (kind)))
        *id_given = TRUE;
    }
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
