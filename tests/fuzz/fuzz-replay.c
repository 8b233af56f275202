/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs a fuzz target over saved inputs (its seed corpus and every input
 * that once crashed it), so what a fuzzer found stays fixed in builds
 * without clang's libFuzzer. Usage: fuzz-xxx FILE|DIR…; prints TAP. */
#include "config.h"

#include <glib.h>

#include "fuzz.h"

static guint n_run;

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
run_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &data, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const uint8_t *) data, length);
  n_run++;
  g_print ("ok %u %s\n", n_run, path);
}

static void
run_path (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      run_file (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    g_error ("cannot read %s", path);
  /* Sorted: the same order in every run. */
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    run_path (names->pdata[i]);
}

int
main (int    argc,
      char **argv)
{
  for (int i = 1; i < argc; i++)
    run_path (argv[i]);
  if (n_run == 0)
    {
      g_print ("not ok 1 no inputs\n1..1\n");
      return 1;
    }
  g_print ("1..%u\n", n_run);
  return 0;
}
