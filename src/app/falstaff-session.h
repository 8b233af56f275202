/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fal.h"

G_BEGIN_DECLS

typedef enum {
  FALSTAFF_SESSION_NO_KEY,     /* first run: ask for a key or offer the demo */
  FALSTAFF_SESSION_ONLINE,     /* a key, talking to fal */
  FALSTAFF_SESSION_DEMO,       /* the local server, simulated outputs */
} FalstaffSessionMode;

/* Where the app talks to and with which key: the FalClient, and the
 * local fal server when the offline demo runs. */
#define FALSTAFF_TYPE_SESSION (falstaff_session_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffSession, falstaff_session, FALSTAFF, SESSION, GObject)

FalstaffSession     *falstaff_session_new             (void);
FalClient           *falstaff_session_get_client      (FalstaffSession *self);
FalstaffSessionMode  falstaff_session_get_mode        (FalstaffSession *self);
/* Why the last key could not be stored (no Secret Service), or NULL. */
const char          *falstaff_session_get_key_warning (FalstaffSession *self);

/* Looks for a key: the environment, then the Secret Service. */
void      falstaff_session_load_key_async   (FalstaffSession     *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  falstaff_session_load_key_finish  (FalstaffSession     *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/* Checks a key against the API, then keeps it: in the Secret Service, or
 * for this session only when none answers (key-warning says so). A wrong
 * key fails with the server's message and is not kept. */
void      falstaff_session_set_key_async    (FalstaffSession     *self,
                                             const char          *key,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  falstaff_session_set_key_finish   (FalstaffSession     *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void      falstaff_session_forget_key_async (FalstaffSession     *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  falstaff_session_forget_key_finish (FalstaffSession    *self,
                                              GAsyncResult       *result,
                                              GError            **error);

/* Asks fal for a price with the key in use (a call that needs a key):
 * TRUE when fal took it; else fal's error (FAL_ERROR_UNAUTHORIZED or
 * FAL_ERROR_FORBIDDEN for a key it refused, FAL_ERROR_MISSING_KEY for
 * none, others when fal could not be reached). */
void      falstaff_session_check_key_async  (FalstaffSession     *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  falstaff_session_check_key_finish (FalstaffSession     *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/* Starts the local fal server on a free loopback port (its own thread)
 * and points the client at it. */
void      falstaff_session_start_demo_async  (FalstaffSession     *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean  falstaff_session_start_demo_finish (FalstaffSession     *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* The demo server's URL, or NULL. */
const char *falstaff_session_get_demo_url    (FalstaffSession     *self);

G_END_DECLS
