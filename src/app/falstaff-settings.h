/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fal.h"

G_BEGIN_DECLS

/* The app's settings. When the schema is not installed (an uninstalled
 * binary started without the build's schema dir), says so once on
 * stderr and returns settings kept in memory for this run, from a copy
 * of the schema compiled into the binary: the app never aborts for it. */
GSettings *falstaff_settings_new          (void);
/* Whether the last falstaff_settings_new() had to fall back to memory. */
gboolean   falstaff_settings_are_volatile (void);

/* The options every run the window starts carries (the preferences'
 * queue priority, start timeout and output lifetime). */
typedef struct {
  FalCallOptions options;
  char *headers[3];            /* name, value, NULL */
} FalstaffCallOptions;

FalstaffCallOptions *falstaff_settings_get_call_options (GSettings           *settings);
void                 falstaff_call_options_free         (FalstaffCallOptions *options);
/* Seconds of an output-lifetime choice ("1h", "1d", …), 0 for fal's own. */
guint                falstaff_settings_lifetime_seconds (const char          *choice);

/* The folder Save starts in: the save-folder setting when it is a
 * folder, else Pictures; NULL when neither exists. */
char                *falstaff_settings_get_save_folder  (GSettings           *settings);

/* For a host key (queue-url, run-url, rest-url, api-url, web-url,
 * proxy-url): the environment variable that wins over the setting, when
 * one is set; else NULL. */
const char          *falstaff_settings_host_override    (const char          *key);
/* Whether a URL typed for a host may be used: empty (the default), or
 * https, or plain http to this machine (fal_uri_is_secure()). */
gboolean             falstaff_settings_host_is_valid    (const char          *url);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalstaffCallOptions, falstaff_call_options_free)

G_END_DECLS
