/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The app's download cap (FalstaffSizeLimit around a body stream): bytes
 * pass unchanged up to the cap, and a longer body fails the read. */
#include "config.h"

#include <string.h>

#include "falstaff-size-limit.h"

static GBytes *
read_through (GBytes   *data,
              guint64   max_bytes,
              GError  **error)
{
  g_autoptr(GInputStream) memory = g_memory_input_stream_new_from_bytes (data);
  g_autoptr(FalstaffSizeLimit) limit = falstaff_size_limit_new (max_bytes);
  g_autoptr(GInputStream) limited = g_converter_input_stream_new (memory, G_CONVERTER (limit));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  if (g_output_stream_splice (out, limited, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
test_under_and_over (void)
{
  g_autofree guint8 *buffer = g_malloc (3 * 1024 * 1024);
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GBytes) exact = NULL;
  g_autoptr(GBytes) cut = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < 3 * 1024 * 1024; i++)
    buffer[i] = (guint8) (i * 31 + 7);
  data = g_bytes_new (buffer, 3 * 1024 * 1024);

  whole = read_through (data, 4 * 1024 * 1024, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (whole, data));
  exact = read_through (data, 3 * 1024 * 1024, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (exact, data));

  cut = read_through (data, 1024 * 1024, &error);
  g_assert_null (cut);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "larger than the 1 MiB"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/size-limit/under-and-over", test_under_and_over);

  return g_test_run ();
}
