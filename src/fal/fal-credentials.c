/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <libsecret/secret.h>

#include "fal-credentials.h"
#include "fal-i18n-private.h"

static const SecretSchema *
key_schema (void)
{
  static const SecretSchema schema = {
    "io.github.falstaff.Falstaff.ApiKey", SECRET_SCHEMA_NONE,
    {
      { "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

#define SERVICE "fal.ai"

char *
fal_credentials_from_environment (void)
{
  const char *key = g_getenv ("FAL_KEY");
  const char *id = g_getenv ("FAL_KEY_ID");
  const char *secret = g_getenv ("FAL_KEY_SECRET");

  if (key && *key)
    return g_strdup (key);
  if (id && *id && secret && *secret)
    return g_strdup_printf ("%s:%s", id, secret);
  return NULL;
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  char *key = secret_password_lookup_finish (result, &error);

  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, key, (GDestroyNotify) secret_password_free);
}

void
fal_credentials_lookup_async (GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, fal_credentials_lookup_async);
  secret_password_lookup (key_schema (), cancellable, lookup_cb, task, "service", SERVICE, NULL);
}

char *
fal_credentials_lookup_finish (GAsyncResult  *result,
                               GError       **error)
{
  char *secret = g_task_propagate_pointer (G_TASK (result), error);
  char *key;

  if (secret == NULL)
    return NULL;
  /* Out of non-pageable memory: the caller frees it like any string. */
  key = g_strdup (secret);
  secret_password_free (secret);
  return key;
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
fal_credentials_store_async (const char          *key,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, fal_credentials_store_async);
  if (key == NULL || *key == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("No key to store"));
      g_object_unref (task);
      return;
    }
  secret_password_store (key_schema (), SECRET_COLLECTION_DEFAULT, "fal.ai API key (Falstaff)",
                         key, cancellable, store_cb, task, "service", SERVICE, NULL);
}

gboolean
fal_credentials_store_finish (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
forget_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  /* FALSE without error: there was nothing to forget, which is fine. */
  secret_password_clear_finish (result, &error);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
fal_credentials_forget_async (GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, fal_credentials_forget_async);
  secret_password_clear (key_schema (), cancellable, forget_cb, task, "service", SERVICE, NULL);
}

gboolean
fal_credentials_forget_finish (GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
