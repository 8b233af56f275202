/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "falstaff-output-keeper.h"

G_BEGIN_DECLS

/* What falstaff-output-keeper.c (names, which URLs, thumbnails, delete)
 * and falstaff-output-keeper-fetch.c (keeping) share. */

struct _FalstaffOutputKeeper
{
  GObject parent_instance;

  char *outputs_dir;
  char *thumbnails_dir;
  SoupSession *session;
  /* "<run id>/<hash>" → GPtrArray of items waiting for the one download
   * of that file under way: two keeps of a run fetch each file once. */
  GHashTable *in_flight;
  /* run id (gint64 *) → GPtrArray of keeps under way, for delete. */
  GHashTable *keeps;
  /* run id → how often its outputs were deleted: a download that ends
   * after a delete throws its file away. */
  GHashTable *generations;
};

/* One media file of a result. */
typedef struct {
  char *url;
  char *content_type;     /* from the result, may be NULL */
  gint64 file_size;       /* from the result, -1 when not given */
} FalstaffKeptMedia;

void        _falstaff_output_keeper_media_free       (gpointer    data);
/* FalstaffKeptMedia of a result, each URL once, in the order found. */
GPtrArray  *_falstaff_output_keeper_find_media_files (JsonNode   *result);

/* Names (thread-safe): the URL's hash, a run's folder, ".png" from a
 * URL's path (or NULL), and the kept file of a URL in a run's folder. */
char       *_falstaff_output_keeper_url_hash         (const char *url);
char       *_falstaff_output_keeper_run_dir          (const char *outputs_dir,
                                                      gint64      run_id);
char       *_falstaff_output_keeper_url_extension    (const char *url);
char       *_falstaff_output_keeper_find_kept        (const char *dir,
                                                      const char *url);

/* falstaff-output-keeper-fetch.c */
guint       _falstaff_output_keeper_generation       (FalstaffOutputKeeper *self,
                                                      gint64                run_id);
/* Stops the run's keeps under way; a download that ends anyway after
 * this throws its file away. */
void        _falstaff_output_keeper_forget_run       (FalstaffOutputKeeper *self,
                                                      gint64                run_id);

G_END_DECLS
