/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The fal key in the Secret Service, under one schema shared by falctl
 * and the app. Never written anywhere else. */

/**
 * fal_credentials_from_environment:
 *
 * The key from the environment: `FAL_KEY`, or `FAL_KEY_ID` and
 * `FAL_KEY_SECRET` joined with ':'.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL if unset
 */
char     *fal_credentials_from_environment (void);

/**
 * fal_credentials_lookup_async:
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: (closure): data for @callback
 *
 * Looks up the fal key in the Secret Service, under one schema shared by
 * falctl and the app (never written anywhere else).
 */
void      fal_credentials_lookup_async     (GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/**
 * fal_credentials_lookup_finish:
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the stored key, or %NULL without
 *   error when none is stored; an error when no Secret Service answers
 */
char     *fal_credentials_lookup_finish    (GAsyncResult        *result,
                                            GError             **error);
/**
 * fal_credentials_store_async:
 * @key: the fal key
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: (closure): data for @callback
 *
 * Stores the key in the Secret Service.
 */
void      fal_credentials_store_async      (const char          *key,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/**
 * fal_credentials_store_finish:
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: whether it was stored
 */
gboolean  fal_credentials_store_finish     (GAsyncResult        *result,
                                            GError             **error);
/**
 * fal_credentials_forget_async:
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: (closure): data for @callback
 *
 * Removes the stored key from the Secret Service.
 */
void      fal_credentials_forget_async     (GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/**
 * fal_credentials_forget_finish:
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: whether the Secret Service answered
 */
gboolean  fal_credentials_forget_finish    (GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
