/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <sys/resource.h>

#include <glib/gi18n.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "falstaff-image-loader.h"
#include "falstaff-output-actions.h"

/* Decoding and scaling run on two threads of their own at a lower
 * priority. On GTask's pool a sweep's 64 decodes took up to ten threads
 * at the main thread's priority, and a 4096² result one more: on two
 * cores the main thread then waited its turn behind them in every frame
 * (bench-sweep, perf sched: frames of 15 ms of CPU lasting 90 ms;
 * bench-ui-stall: 160 ms while the zoom view decoded). Linux keeps a nice
 * per thread; the pool is exclusive so that no other work lands on
 * these threads. */
typedef struct {
  GTask *task;
  GTaskThreadFunc func;
  guint64 serial;
} BackgroundJob;

static void
background_worker (gpointer data,
                   gpointer user_data)
{
  static GPrivate lowered;
  BackgroundJob *job = data;

#ifdef __linux__
  if (g_private_get (&lowered) == NULL)
    {
      setpriority (PRIO_PROCESS, 0, 10);
      g_private_set (&lowered, GINT_TO_POINTER (TRUE));
    }
#endif
  job->func (job->task, g_task_get_source_object (job->task), g_task_get_task_data (job->task),
             g_task_get_cancellable (job->task));
  g_object_unref (job->task);
  g_free (job);
}

/* A person's own image (the zoom view's) before a sweep's thumbnails:
 * the task's priority first, then the order they came in. */
static int
compare_jobs (gconstpointer a,
              gconstpointer b,
              gpointer      data)
{
  int priority_a = g_task_get_priority (((const BackgroundJob *) a)->task);
  int priority_b = g_task_get_priority (((const BackgroundJob *) b)->task);

  if (priority_a != priority_b)
    return priority_a < priority_b ? -1 : 1;
  return ((const BackgroundJob *) a)->serial < ((const BackgroundJob *) b)->serial ? -1 : 1;
}

void
falstaff_image_run_in_background (GTask           *task,
                                  GTaskThreadFunc  func)
{
  static GThreadPool *pool;
  static guint64 serial;
  BackgroundJob *job = g_new0 (BackgroundJob, 1);

  if (g_once_init_enter (&pool))
    {
      GThreadPool *made = g_thread_pool_new (background_worker, NULL, 2, TRUE, NULL);

      g_thread_pool_set_sort_function (made, compare_jobs, NULL);
      g_once_init_leave (&pool, made);
    }
  /* Pushed from the main thread only. */
  job->serial = serial++;
  job->task = g_object_ref (task);
  job->func = func;
  g_thread_pool_push (pool, job, NULL);
}

typedef struct {
  GBytes *bytes;
  char *path;             /* a local file, read in the worker */
  int max_size;
  int full_width;
  int full_height;
} Decode;

static void
decode_free (gpointer data)
{
  Decode *decode = data;

  g_clear_pointer (&decode->bytes, g_bytes_unref);
  g_free (decode->path);
  g_free (decode);
}

/* Pixels an image may have. Its header says how many before any is
 * decoded, and most of gdk-pixbuf's loaders (PNG among them) allocate
 * the full size whatever size was asked for: a 100,000 × 100,000 PNG of a
 * few kB would take 40 GB. 16384 × 16384 is above any model's output. */
#define MAX_IMAGE_PIXELS (G_GINT64_CONSTANT (16384) * 16384)

typedef struct {
  int max_size;
  int full_width;
  int full_height;
  gboolean too_large;
} Sizes;

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  Sizes           *sizes)
{
  double scale;

  sizes->full_width = width;
  sizes->full_height = height;
  if ((gint64) width * height > MAX_IMAGE_PIXELS)
    {
      /* A size of 0 tells the loader to allocate nothing (the convention
       * gdk_pixbuf_get_file_info() relies on). */
      sizes->too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }
  if (sizes->max_size <= 0 || (width <= sizes->max_size && height <= sizes->max_size))
    return;
  scale = MIN ((double) sizes->max_size / width, (double) sizes->max_size / height);
  gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale)), MAX (1, (int) (height * scale)));
}

/* Closes the loader (once) and gives its image, or the error: the
 * loader's own, or "too large" when the header was refused. */
static GdkPixbuf *
finish_loader (GdkPixbufLoader  *loader,
               Sizes            *sizes,
               GError           *write_error,
               int              *full_width,
               int              *full_height,
               GError          **error)
{
  g_autoptr(GError) close_error = NULL;
  gboolean closed = gdk_pixbuf_loader_close (loader, &close_error);
  GdkPixbuf *pixbuf;

  if (sizes->too_large)
    {
      g_clear_error (&write_error);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The image is too large to show: %d × %d pixels (at most %d megapixels)"),
                   sizes->full_width, sizes->full_height, (int) (MAX_IMAGE_PIXELS / 1000000));
      return NULL;
    }
  if (write_error)
    {
      g_propagate_error (error, write_error);
      return NULL;
    }
  if (!closed)
    {
      g_propagate_error (error, g_steal_pointer (&close_error));
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Not an image"));
      return NULL;
    }
  if (full_width)
    *full_width = sizes->full_width;
  if (full_height)
    *full_height = sizes->full_height;
  return g_object_ref (pixbuf);
}

GdkPixbuf *
falstaff_image_decode (GBytes  *bytes,
                       int      max_size,
                       int     *full_width,
                       int     *full_height,
                       GError **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  Sizes sizes = { max_size, 0, 0, FALSE };
  GError *write_error = NULL;

  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &sizes);
  gdk_pixbuf_loader_write_bytes (loader, bytes, &write_error);
  return finish_loader (loader, &sizes, write_error, full_width, full_height, error);
}

/* Fed in blocks, so a large file is never in memory whole: only the
 * (scaled) pixels are. */
GdkPixbuf *
falstaff_image_decode_file (const char    *path,
                            int            max_size,
                            int           *full_width,
                            int           *full_height,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autofree guchar *block = g_malloc (64 * 1024);
  Sizes sizes = { max_size, 0, 0, FALSE };

  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &sizes);
  in = g_file_read (file, cancellable, error);
  if (in == NULL)
    {
      /* A loader dropped unclosed is a warning (fatal under the tests):
       * the file gone, or the read cancelled, before any byte. */
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  for (;;)
    {
      GError *write_error = NULL;
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), block, 64 * 1024, cancellable, &write_error);

      if (n > 0)
        gdk_pixbuf_loader_write (loader, block, n, &write_error);
      if (n == 0 || write_error || sizes.too_large)
        return finish_loader (loader, &sizes, write_error, full_width, full_height, error);
    }
}

/* Textures made here and not yet finalized, and their pixel bytes: what
 * the app holds of decoded images (bench-session, test-soak). */
static gint live_textures;
static gint64 live_texture_bytes;
G_LOCK_DEFINE_STATIC (live_texture_bytes);

static void
texture_finalized_cb (gpointer  data,
                      GObject  *where_the_object_was)
{
  g_atomic_int_dec_and_test (&live_textures);
  G_LOCK (live_texture_bytes);
  live_texture_bytes -= GPOINTER_TO_SIZE (data);
  G_UNLOCK (live_texture_bytes);
}

GdkTexture *
falstaff_texture_new_for_pixbuf (GdkPixbuf *pixbuf)
{
  g_autoptr(GBytes) pixels = gdk_pixbuf_read_pixel_bytes (pixbuf);
  gsize size = g_bytes_get_size (pixels);
  GdkTexture *texture;

  texture = gdk_memory_texture_new (gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf),
                                    gdk_pixbuf_get_has_alpha (pixbuf) ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8,
                                    pixels, gdk_pixbuf_get_rowstride (pixbuf));
  g_atomic_int_inc (&live_textures);
  G_LOCK (live_texture_bytes);
  live_texture_bytes += size;
  G_UNLOCK (live_texture_bytes);
  g_object_weak_ref (G_OBJECT (texture), texture_finalized_cb, GSIZE_TO_POINTER (size));
  return texture;
}

guint
falstaff_texture_count_live (gint64 *bytes)
{
  if (bytes)
    {
      G_LOCK (live_texture_bytes);
      *bytes = live_texture_bytes;
      G_UNLOCK (live_texture_bytes);
    }
  return (guint) g_atomic_int_get (&live_textures);
}

static void
decode_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Decode *decode = task_data;
  GError *error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  if (decode->path)
    pixbuf = falstaff_image_decode_file (decode->path, decode->max_size, &decode->full_width,
                                         &decode->full_height, cancellable, &error);
  else
    pixbuf = falstaff_image_decode (decode->bytes, decode->max_size,
                                    &decode->full_width, &decode->full_height, &error);

  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* A memory texture: immutable, so making it here is safe. */
  g_task_return_pointer (task, falstaff_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  Decode *decode = g_task_get_task_data (task);
  GError *error = NULL;

  decode->bytes = falstaff_output_fetch_finish (result, NULL, &error);
  if (decode->bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  falstaff_image_run_in_background (task, decode_thread);
}

void
falstaff_image_loader_load_async (SoupSession         *session,
                                  const char          *url,
                                  int                  max_size,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Decode *decode = g_new0 (Decode, 1);

  g_task_set_source_tag (task, falstaff_image_loader_load_async);
  decode->max_size = max_size;
  g_task_set_task_data (task, decode, decode_free);
  /* A local file (a kept output) is read by the worker that decodes it. */
  if (g_str_has_prefix (url, "file:"))
    {
      g_autoptr(GFile) file = g_file_new_for_uri (url);

      decode->path = g_file_get_path (file);
      if (decode->path != NULL)
        {
          falstaff_image_run_in_background (task, decode_thread);
          return;
        }
    }
  /* http(s), and data: URLs (results of sync_mode carry their files inline). */
  falstaff_output_fetch_async (session, url, cancellable, fetched_cb, g_steal_pointer (&task));
}

GdkTexture *
falstaff_image_loader_load_finish (GAsyncResult  *result,
                                   int           *full_width,
                                   int           *full_height,
                                   GError       **error)
{
  Decode *decode = g_task_get_task_data (G_TASK (result));

  if (full_width)
    *full_width = decode->full_width;
  if (full_height)
    *full_height = decode->full_height;
  return g_task_propagate_pointer (G_TASK (result), error);
}
