/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal.h"

/* The fal key in the real Secret Service. CI runs this inside
 * dbus-run-session with an unlocked gnome-keyring (build-aux/test-session.sh),
 * so no Secret Service is a failure, not a skip. */

#define DEADLINE_MS 30000
#define TEST_KEY "test-id:test-secret-0123456789"

typedef struct {
  gboolean done;
  char *key;
  gboolean ok;
  GError *error;
} Outcome;

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_outcome (Outcome *outcome)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (!outcome->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_assert_true (outcome->done);
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Outcome *outcome = data;

  outcome->key = fal_credentials_lookup_finish (result, &outcome->error);
  outcome->done = TRUE;
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Outcome *outcome = data;

  outcome->ok = fal_credentials_store_finish (result, &outcome->error);
  outcome->done = TRUE;
}

static void
forget_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Outcome *outcome = data;

  outcome->ok = fal_credentials_forget_finish (result, &outcome->error);
  outcome->done = TRUE;
}

/* The stored key or NULL; fails the test when no Secret Service answers. */
static char *
lookup (void)
{
  Outcome outcome = { 0 };

  fal_credentials_lookup_async (NULL, lookup_cb, &outcome);
  wait_outcome (&outcome);
  g_assert_no_error (outcome.error);
  return outcome.key;
}

static void
store (const char *key)
{
  Outcome outcome = { 0 };

  fal_credentials_store_async (key, NULL, store_cb, &outcome);
  wait_outcome (&outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);
}

static void
forget (void)
{
  Outcome outcome = { 0 };

  fal_credentials_forget_async (NULL, forget_cb, &outcome);
  wait_outcome (&outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);
}

static void
test_store_lookup_forget (void)
{
  /* Run by hand outside the test session, this is someone's real
   * keyring: put back what was there. */
  g_autofree char *before = lookup ();
  g_autofree char *found = NULL;
  g_autofree char *replaced = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *gone_again = NULL;

  store (TEST_KEY);
  found = lookup ();
  g_assert_cmpstr (found, ==, TEST_KEY);

  /* One item per service: a second store replaces the first. */
  store (TEST_KEY "-2");
  replaced = lookup ();
  g_assert_cmpstr (replaced, ==, TEST_KEY "-2");

  forget ();
  gone = lookup ();
  g_assert_null (gone);
  /* Forgetting nothing is fine too. */
  forget ();
  gone_again = lookup ();
  g_assert_null (gone_again);

  if (before)
    store (before);
}

static void
test_store_refuses_empty (void)
{
  Outcome outcome = { 0 };

  fal_credentials_store_async ("", NULL, store_cb, &outcome);
  wait_outcome (&outcome);
  g_assert_false (outcome.ok);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&outcome.error);
}

/* A key from the keyring goes into the client as such, and the
 * environment still wins over it. */
static void
test_client_key_source (void)
{
  g_autofree char *before = lookup ();
  g_autofree char *found = NULL;
  g_autoptr(FalClient) client = NULL;
  g_autoptr(FalClient) env_client = NULL;

  store (TEST_KEY);
  found = lookup ();
  g_assert_cmpstr (found, ==, TEST_KEY);

  client = fal_client_new ();
  g_assert_false (fal_client_has_key (client));
  fal_client_set_key (client, found, FAL_KEY_SOURCE_SECRET_SERVICE);
  g_assert_true (fal_client_has_key (client));
  g_assert_cmpint (fal_client_get_key_source (client), ==, FAL_KEY_SOURCE_SECRET_SERVICE);

  g_setenv ("FAL_KEY", "env-id:env-secret", TRUE);
  env_client = fal_client_new ();
  g_unsetenv ("FAL_KEY");
  fal_client_set_key (env_client, found, FAL_KEY_SOURCE_SECRET_SERVICE);
  g_assert_cmpint (fal_client_get_key_source (env_client), ==, FAL_KEY_SOURCE_ENVIRONMENT);

  forget ();
  if (before)
    store (before);
}

static void
test_from_environment (void)
{
  g_autofree char *none = NULL;
  g_autofree char *key = NULL;
  g_autofree char *pair = NULL;
  g_autofree char *half = NULL;

  none = fal_credentials_from_environment ();
  g_assert_null (none);
  g_setenv ("FAL_KEY_ID", "id", TRUE);
  half = fal_credentials_from_environment ();
  g_assert_null (half);
  g_setenv ("FAL_KEY_SECRET", "secret", TRUE);
  pair = fal_credentials_from_environment ();
  g_assert_cmpstr (pair, ==, "id:secret");
  g_setenv ("FAL_KEY", "whole:key", TRUE);
  key = fal_credentials_from_environment ();
  g_assert_cmpstr (key, ==, "whole:key");
  g_unsetenv ("FAL_KEY");
  g_unsetenv ("FAL_KEY_ID");
  g_unsetenv ("FAL_KEY_SECRET");
}

int
main (int   argc,
      char *argv[])
{
  g_unsetenv ("FAL_KEY");
  g_unsetenv ("FAL_KEY_ID");
  g_unsetenv ("FAL_KEY_SECRET");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/credentials/store-lookup-forget", test_store_lookup_forget);
  g_test_add_func ("/fal/credentials/store-refuses-empty", test_store_refuses_empty);
  g_test_add_func ("/fal/credentials/client-key-source", test_client_key_source);
  g_test_add_func ("/fal/credentials/from-environment", test_from_environment);

  return g_test_run ();
}
