/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-application.h"
#include "falstaff-memory.h"
#include "falstaff-output-keeper.h"
#include "falstaff-preferences-window.h"
#include "falstaff-paths.h"
#include "falstaff-run-store.h"
#include "falstaff-session.h"
#include "falstaff-window.h"

struct _FalstaffApplication
{
  AdwApplication parent_instance;

  FalstaffSession *session;
  FalstaffRunStore *run_store;
  gboolean run_store_read;
  FalstaffOutputKeeper *output_keeper;
  guint pending_cancels;
};

G_DEFINE_FINAL_TYPE (FalstaffApplication, falstaff_application, ADW_TYPE_APPLICATION)

static void
falstaff_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (falstaff_window_new (FALSTAFF_APPLICATION (app),
                                              falstaff_application_get_session (FALSTAFF_APPLICATION (app))));
  gtk_window_present (window);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const char *developers[] = { _("The Falstaff developers"), NULL };
  const char *thanks[] = { _("fal.ai, for the models and the protocol this app speaks"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", window,
                        "modal", TRUE,
                        "application-name", _("Falstaff"),
                        "application-icon", APPLICATION_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Falstaff developers"),
                        "developers", developers,
                        "copyright", _("© 2026 The Falstaff developers"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "comments", _("A native studio for fal.ai model endpoints: fill a model's form, follow its queue and logs, and keep every result in a history that survives a crash."),
                        "website", "https://github.com/falstaff/falstaff",
                        "issue-url", "https://github.com/falstaff/falstaff/issues",
                        "support-url", "https://github.com/falstaff/falstaff/discussions",
                        /* Translators: your names, one per line, as shown in the About window. */
                        "translator-credits", _("translator-credits"),
                        NULL);
  adw_about_window_add_link (ADW_ABOUT_WINDOW (about), _("fal.ai Documentation"), "https://docs.fal.ai");
  adw_about_window_add_link (ADW_ABOUT_WINDOW (about), _("fal.ai Models"), "https://fal.ai/models");
  adw_about_window_add_acknowledgement_section (ADW_ABOUT_WINDOW (about), _("Thanks"), thanks);
  gtk_window_present (GTK_WINDOW (about));
}

/* Preferences for the window in front, with its session (each window
 * may have its own); one at a time for it. */
static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  FalstaffApplication *self = FALSTAFF_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GListModel *toplevels = gtk_window_get_toplevels ();
  FalstaffPreferencesWindow *preferences;

  if (FALSTAFF_IS_PREFERENCES_WINDOW (window))
    {
      gtk_window_present (window);
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) open = g_list_model_get_item (toplevels, i);

      if (FALSTAFF_IS_PREFERENCES_WINDOW (open) && gtk_window_get_transient_for (open) == window)
        {
          gtk_window_present (open);
          return;
        }
    }
  preferences = falstaff_preferences_window_new (window,
                                                 FALSTAFF_IS_WINDOW (window)
                                                   ? falstaff_window_get_session (FALSTAFF_WINDOW (window))
                                                   : falstaff_application_get_session (self));
  gtk_window_set_application (GTK_WINDOW (preferences), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (preferences));
}

/* A notification's click: the run it told of. */
static void
show_run_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (FALSTAFF_IS_WINDOW (window))
    falstaff_window_show_run_by_id (FALSTAFF_WINDOW (window), g_variant_get_int64 (parameter));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
  { "show-run", show_run_activated, "x" },
};

static void
falstaff_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  /* The shortcuts window is not at gtk/help-overlay.ui, where GTK would
   * build it into every new window before its first frame: the window
   * sets it after (falstaff-window.c), and its key is given here. */
  static const char *help_overlay_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (falstaff_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay", help_overlay_accels);

  /* Installed outside the icon theme's directories (another prefix, or
   * staged with DESTDIR), the app icon is still found. */
  if (falstaff_paths_get_installed_datadir () != NULL && gdk_display_get_default () != NULL)
    {
      g_autofree char *icons = g_build_filename (falstaff_paths_get_installed_datadir (), "icons", NULL);

      gtk_icon_theme_add_search_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()), icons);
    }
}

static void
falstaff_application_dispose (GObject *object)
{
  FalstaffApplication *self = (FalstaffApplication *)object;

  g_clear_object (&self->session);
  g_clear_object (&self->run_store);
  g_clear_object (&self->output_keeper);

  G_OBJECT_CLASS (falstaff_application_parent_class)->dispose (object);
}

static void
falstaff_application_class_init (FalstaffApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = falstaff_application_dispose;

  app_class->activate = falstaff_application_activate;
  app_class->startup = falstaff_application_startup;
}

static void
falstaff_application_init (FalstaffApplication *self)
{
}

FalstaffSession *
falstaff_application_get_session (FalstaffApplication *self)
{
  g_return_val_if_fail (FALSTAFF_IS_APPLICATION (self), NULL);

  if (self->session == NULL)
    self->session = falstaff_session_new ();
  return self->session;
}

static void
store_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GError) error = NULL;

  /* The rows were read on the database thread: 10–15 MiB of its heap
   * freed with a long history. */
  falstaff_memory_trim_soon ();

  /* A store that could not open its file keeps runs in memory: the
   * window says so through the recovery message or the error. */
  if (!falstaff_run_store_load_finish (FALSTAFF_RUN_STORE (source), result, &error))
    g_message ("The history could not be opened: %s", error->message);
}

FalstaffRunStore *
falstaff_application_get_run_store (FalstaffApplication *self)
{
  g_return_val_if_fail (FALSTAFF_IS_APPLICATION (self), NULL);

  falstaff_application_get_run_store_unread (self);
  if (!self->run_store_read)
    {
      self->run_store_read = TRUE;
      /* The finished runs are listed when the History first wants them. */
      falstaff_run_store_open_async (self->run_store, NULL, store_loaded_cb, NULL);
    }
  return self->run_store;
}

FalstaffRunStore *
falstaff_application_get_run_store_unread (FalstaffApplication *self)
{
  g_return_val_if_fail (FALSTAFF_IS_APPLICATION (self), NULL);

  if (self->run_store == NULL)
    self->run_store = falstaff_run_store_new (NULL);
  return self->run_store;
}

FalstaffOutputKeeper *
falstaff_application_get_output_keeper (FalstaffApplication *self)
{
  g_return_val_if_fail (FALSTAFF_IS_APPLICATION (self), NULL);

  if (self->output_keeper == NULL)
    self->output_keeper = falstaff_output_keeper_new (NULL, NULL);
  return self->output_keeper;
}

#define CANCEL_DEADLINE_S 10

typedef struct {
  FalstaffApplication *app;
  GCancellable *deadline;
  guint timeout;
} PendingCancel;

static gboolean
cancel_deadline_cb (gpointer data)
{
  PendingCancel *pending = data;

  pending->timeout = 0;
  g_cancellable_cancel (pending->deadline);
  return G_SOURCE_REMOVE;
}

static void
cancel_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  PendingCancel *pending = data;
  g_autoptr(GError) error = NULL;

  if (!fal_request_cancel_finish (FAL_REQUEST (source), result, NULL, &error))
    g_printerr ("Falstaff: the request %s could not be cancelled before quitting: %s\n",
                fal_request_get_request_id (FAL_REQUEST (source)), error->message);
  g_clear_handle_id (&pending->timeout, g_source_remove);
  pending->app->pending_cancels--;
  g_application_release (G_APPLICATION (pending->app));
  g_object_unref (pending->deadline);
  g_object_unref (pending->app);
  g_free (pending);
}

void
falstaff_application_cancel_before_quit (FalstaffApplication *self,
                                         FalRequest          *request)
{
  PendingCancel *pending;

  g_return_if_fail (FALSTAFF_IS_APPLICATION (self));
  g_return_if_fail (FAL_IS_REQUEST (request));

  pending = g_new0 (PendingCancel, 1);
  pending->app = g_object_ref (self);
  pending->deadline = g_cancellable_new ();
  pending->timeout = g_timeout_add_seconds (CANCEL_DEADLINE_S, cancel_deadline_cb, pending);
  self->pending_cancels++;
  g_application_hold (G_APPLICATION (self));
  fal_request_cancel_async (request, pending->deadline, cancel_sent_cb, pending);
}

guint
falstaff_application_get_pending_cancels (FalstaffApplication *self)
{
  g_return_val_if_fail (FALSTAFF_IS_APPLICATION (self), 0);
  return self->pending_cancels;
}

FalstaffApplication *
falstaff_application_new (void)
{
  return g_object_new (FALSTAFF_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/falstaff/Falstaff",
                       NULL);
}

void
falstaff_application_bind_text_domain (void)
{
  const char *dir = g_getenv ("FALSTAFF_LOCALEDIR");

  bindtextdomain (GETTEXT_PACKAGE, dir != NULL && *dir != '\0' ? dir : falstaff_paths_get_localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
