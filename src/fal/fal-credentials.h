/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The fal key in the Secret Service, under one schema shared by falctl
 * and the app. Never written anywhere else. */

/* FAL_KEY, or FAL_KEY_ID + FAL_KEY_SECRET joined with ':'; NULL if unset. */
char     *fal_credentials_from_environment (void);

/* The stored key, or NULL without error when none is stored; an error
 * when no Secret Service answers. */
void      fal_credentials_lookup_async     (GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
char     *fal_credentials_lookup_finish    (GAsyncResult        *result,
                                            GError             **error);
void      fal_credentials_store_async      (const char          *key,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean  fal_credentials_store_finish     (GAsyncResult        *result,
                                            GError             **error);
void      fal_credentials_forget_async     (GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean  fal_credentials_forget_finish    (GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
