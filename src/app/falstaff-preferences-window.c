/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "falstaff-accessible.h"
#include "falstaff-preferences-window.h"
#include "falstaff-settings.h"

/* The hosts of the Advanced page, in its order. */
static const struct {
  const char *key;
  const char *title;
  const char *fallback;         /* what an empty setting means */
} hosts[] = {
  { "proxy-url", N_("Proxy"), NULL },
  { "queue-url", N_("Queue"), FAL_DEFAULT_QUEUE_URL },
  { "run-url", N_("Direct Runs"), FAL_DEFAULT_RUN_URL },
  { "rest-url", N_("REST API"), FAL_DEFAULT_REST_URL },
  { "api-url", N_("Platform API"), FAL_DEFAULT_API_URL },
  { "web-url", N_("Web"), FAL_DEFAULT_WEB_URL },
};
#define N_HOSTS G_N_ELEMENTS (hosts)

/* The combo rows' items, in the order of their string lists. */
static const char *priorities[] = { "normal", "low", NULL };
static const char *lifetimes[] = { "default", "1h", "1d", "7d", "30d", "1y", NULL };

struct _FalstaffPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  FalstaffSession *session;
  FalClient *client;            /* the session's, watched for its key */
  GSettings *settings;
  GCancellable *key_cancellable;
  GtkFileChooserNative *chooser;
  guint last_timeout;

  AdwActionRow *key_row;
  GtkWidget *check_spinner;
  GtkWidget *check_button;
  GtkWidget *forget_button;
  AdwPasswordEntryRow *new_key_row;
  GtkLabel *key_result_label;
  AdwComboRow *priority_row;
  GtkSpinButton *timeout_spin;
  AdwComboRow *lifetime_row;
  GtkSwitch *poll_switch;
  GtkSpinButton *limit_spin;
  AdwActionRow *folder_row;
  GtkWidget *folder_reset_button;
  GtkSwitch *notify_switch;
  AdwPreferencesGroup *hosts_group;
  AdwActionRow *host_rows[N_HOSTS];
  GtkEntry *host_entries[N_HOSTS];
};

G_DEFINE_FINAL_TYPE (FalstaffPreferencesWindow, falstaff_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* ------------------------------------------------------------------ key */

typedef enum {
  RESULT_GOOD,
  RESULT_BAD,
  RESULT_NEUTRAL,
} ResultKind;

static void
show_result (FalstaffPreferencesWindow *self,
             const char                *text,
             ResultKind                 kind)
{
  GtkWidget *label = GTK_WIDGET (self->key_result_label);

  gtk_label_set_text (self->key_result_label, text ? text : "");
  gtk_widget_set_visible (label, text != NULL);
  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "error");
  if (kind == RESULT_GOOD)
    gtk_widget_add_css_class (label, "success");
  else if (kind == RESULT_BAD)
    gtk_widget_add_css_class (label, "error");
}

static void
set_busy (FalstaffPreferencesWindow *self,
          gboolean                   busy)
{
  gtk_widget_set_visible (self->check_spinner, busy);
  gtk_spinner_set_spinning (GTK_SPINNER (self->check_spinner), busy);
  gtk_widget_set_sensitive (self->check_button, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_key_row),
                            !busy && falstaff_session_get_mode (self->session) != FALSTAFF_SESSION_DEMO);
  if (busy)
    show_result (self, _("Asking fal…"), RESULT_NEUTRAL);
}

/* What fal's answer means for the key; never the key itself. */
static void
show_key_error (FalstaffPreferencesWindow *self,
                const GError              *error)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED) ||
      g_error_matches (error, FAL_ERROR, FAL_ERROR_FORBIDDEN))
    {
      show_result (self, _("fal refused this key"), RESULT_BAD);
      return;
    }
  if (g_error_matches (error, FAL_ERROR, FAL_ERROR_MISSING_KEY))
    {
      show_result (self, _("There is no key to check"), RESULT_BAD);
      return;
    }
  text = g_strdup_printf (_("No contact with fal: %s"), error->message);
  show_result (self, text, RESULT_BAD);
}

static gboolean
was_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED);
}

static void
update_key_row (FalstaffPreferencesWindow *self)
{
  FalstaffSessionMode mode = falstaff_session_get_mode (self->session);
  FalClient *client = falstaff_session_get_client (self->session);
  FalKeySource source = fal_client_get_key_source (client);
  const char *subtitle;

  if (mode == FALSTAFF_SESSION_DEMO)
    subtitle = _("The offline demo's own key");
  else if (source == FAL_KEY_SOURCE_ENVIRONMENT)
    subtitle = _("From the FAL_KEY environment variable, which wins over a stored key");
  else if (source == FAL_KEY_SOURCE_SECRET_SERVICE)
    subtitle = _("Stored in the system keyring");
  else if (source == FAL_KEY_SOURCE_PROPERTY)
    subtitle = falstaff_session_get_key_warning (self->session) ? _("Kept for this session only")
                                                                : _("Stored in the system keyring");
  else if (fal_client_get_proxy_url (client) != NULL)
    subtitle = _("None: the proxy adds its own");
  else
    subtitle = _("No key yet");
  adw_action_row_set_subtitle (self->key_row, subtitle);
  gtk_widget_set_sensitive (self->forget_button,
                            mode == FALSTAFF_SESSION_ONLINE && fal_client_has_key (client) &&
                            source != FAL_KEY_SOURCE_ENVIRONMENT);
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_key_row),
                            mode != FALSTAFF_SESSION_DEMO && self->key_cancellable == NULL);
}

static void
watch_client (FalstaffPreferencesWindow *self)
{
  FalClient *client = falstaff_session_get_client (self->session);

  if (self->client == client)
    return;
  if (self->client)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_set_object (&self->client, client);
  g_signal_connect_object (client, "notify::key-source", G_CALLBACK (update_key_row), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::proxy-url", G_CALLBACK (update_key_row), self, G_CONNECT_SWAPPED);
}

static void
session_changed_cb (FalstaffPreferencesWindow *self)
{
  watch_client (self);
  update_key_row (self);
}

static void
key_checked_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(FalstaffPreferencesWindow) self = data;
  g_autoptr(GError) error = NULL;
  gboolean works = falstaff_session_check_key_finish (FALSTAFF_SESSION (source), result, &error);

  if (was_cancelled (error))
    return;
  g_clear_object (&self->key_cancellable);
  set_busy (self, FALSE);
  if (works)
    show_result (self, _("The key works"), RESULT_GOOD);
  else
    show_key_error (self, error);
  update_key_row (self);
}

static void
check_clicked_cb (FalstaffPreferencesWindow *self)
{
  g_cancellable_cancel (self->key_cancellable);
  g_clear_object (&self->key_cancellable);
  self->key_cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  falstaff_session_check_key_async (self->session, self->key_cancellable, key_checked_cb, g_object_ref (self));
}

static void
key_set_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(FalstaffPreferencesWindow) self = data;
  g_autoptr(GError) error = NULL;
  gboolean kept = falstaff_session_set_key_finish (FALSTAFF_SESSION (source), result, &error);

  if (was_cancelled (error))
    return;
  g_clear_object (&self->key_cancellable);
  set_busy (self, FALSE);
  if (kept)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->new_key_row), "");
      show_result (self, _("The key works, and Falstaff uses it from now on"), RESULT_GOOD);
    }
  else if (g_error_matches (error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED) && error->message &&
           strchr (gtk_editable_get_text (GTK_EDITABLE (self->new_key_row)), ':') == NULL)
    /* Not even the shape of a key: the session's own words. */
    show_result (self, error->message, RESULT_BAD);
  else
    show_key_error (self, error);
  update_key_row (self);
}

/* A new key is checked first; a key fal refuses replaces nothing. */
static void
new_key_applied_cb (FalstaffPreferencesWindow *self)
{
  const char *key = gtk_editable_get_text (GTK_EDITABLE (self->new_key_row));

  if (*key == '\0' || falstaff_session_get_mode (self->session) == FALSTAFF_SESSION_DEMO)
    return;
  g_cancellable_cancel (self->key_cancellable);
  g_clear_object (&self->key_cancellable);
  self->key_cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  falstaff_session_set_key_async (self->session, key, self->key_cancellable, key_set_cb, g_object_ref (self));
}

static void
key_forgotten_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(FalstaffPreferencesWindow) self = data;
  g_autoptr(GError) error = NULL;

  if (!falstaff_session_forget_key_finish (FALSTAFF_SESSION (source), result, &error))
    {
      g_autofree char *text = NULL;

      if (was_cancelled (error))
        return;
      text = g_strdup_printf (_("The key is no longer used, but the keyring could not remove it: %s"), error->message);
      show_result (self, text, RESULT_BAD);
    }
  else
    show_result (self, _("The key is forgotten"), RESULT_NEUTRAL);
  update_key_row (self);
}

static void
forget_clicked_cb (FalstaffPreferencesWindow *self)
{
  g_cancellable_cancel (self->key_cancellable);
  g_clear_object (&self->key_cancellable);
  falstaff_session_forget_key_async (self->session, NULL, key_forgotten_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ runs */

/* fal takes a start timeout above 1 s only: from 0 the next step is 2,
 * and down from 2 it is none. */
static void
timeout_changed_cb (FalstaffPreferencesWindow *self)
{
  guint value = (guint) gtk_spin_button_get_value_as_int (self->timeout_spin);

  if (value == 1)
    {
      value = self->last_timeout == 0 ? 2 : 0;
      gtk_spin_button_set_value (self->timeout_spin, value);
    }
  self->last_timeout = value;
}

static gboolean
choice_to_index (GValue   *value,
                 GVariant *variant,
                 gpointer  data)
{
  const char **choices = data;
  const char *choice = g_variant_get_string (variant, NULL);

  for (guint i = 0; choices[i]; i++)
    if (g_str_equal (choices[i], choice))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
index_to_choice (const GValue       *value,
                 const GVariantType *type,
                 gpointer            data)
{
  const char **choices = data;
  guint index = g_value_get_uint (value);

  if (index >= g_strv_length ((char **) choices))
    return NULL;
  return g_variant_new_string (choices[index]);
}

/* ------------------------------------------------------------------ outputs */

static void
update_folder_row (FalstaffPreferencesWindow *self)
{
  g_autofree char *path = falstaff_settings_get_save_folder (self->settings);
  g_autofree char *chosen = g_settings_get_string (self->settings, "save-folder");
  g_autofree char *shown = path ? g_filename_display_name (path) : NULL;

  adw_action_row_set_subtitle (self->folder_row, shown ? shown : _("Not set: Save asks where each time"));
  gtk_widget_set_visible (self->folder_reset_button, *chosen != '\0');
}

static void
folder_chosen_cb (GtkNativeDialog           *chooser,
                  int                        response,
                  FalstaffPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = folder ? g_file_get_path (folder) : NULL;

      if (path)
        g_settings_set_string (self->settings, "save-folder", path);
    }
  g_clear_object (&self->chooser);
}

static void
folder_choose_clicked_cb (FalstaffPreferencesWindow *self)
{
  g_autofree char *current = falstaff_settings_get_save_folder (self->settings);

  if (self->chooser)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Save Outputs In"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (current)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (current);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), folder, NULL);
    }
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (folder_chosen_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
folder_reset_clicked_cb (FalstaffPreferencesWindow *self)
{
  g_settings_reset (self->settings, "save-folder");
}

/* ------------------------------------------------------------------ hosts */

static void
update_host_row (FalstaffPreferencesWindow *self,
                 guint                      i)
{
  const char *variable = falstaff_settings_host_override (hosts[i].key);
  GtkEntry *entry = self->host_entries[i];
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *stored = g_settings_get_string (self->settings, hosts[i].key);
  g_autofree char *subtitle = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  if (variable)
    {
      g_autofree char *in_use = NULL;

      /* The environment wins: show what is used, and why. */
      g_object_get (falstaff_session_get_client (self->session), hosts[i].key, &in_use, NULL);
      subtitle = g_strdup_printf (_("Set by %s, which wins over this setting"), variable);
      gtk_editable_set_text (GTK_EDITABLE (entry), in_use ? in_use : "");
      gtk_widget_set_sensitive (GTK_WIDGET (entry), FALSE);
    }
  else if (!falstaff_settings_host_is_valid (text))
    {
      subtitle = g_strdup (_("Not used: only https, or plain http to this computer"));
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
    }
  else if (g_strcmp0 (text, stored) != 0)
    subtitle = g_strdup (_("Press Enter to use it"));
  else if (*stored)
    subtitle = g_strdup (_("In use"));
  else if (hosts[i].fallback)
    subtitle = g_strdup_printf (_("fal's own: %s"), hosts[i].fallback);
  else
    subtitle = g_strdup (_("None: calls go straight to fal"));
  adw_action_row_set_subtitle (self->host_rows[i], subtitle);
}

static guint
host_index (FalstaffPreferencesWindow *self,
            GtkEntry                  *entry)
{
  for (guint i = 0; i < N_HOSTS; i++)
    if (self->host_entries[i] == entry)
      return i;
  g_assert_not_reached ();
}

static void
host_apply (FalstaffPreferencesWindow *self,
            guint                      i)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->host_entries[i]))));

  if (falstaff_settings_host_override (hosts[i].key) == NULL && falstaff_settings_host_is_valid (text))
    g_settings_set_string (self->settings, hosts[i].key, text);
  update_host_row (self, i);
}

static void
host_activated_cb (GtkEntry                  *entry,
                   FalstaffPreferencesWindow *self)
{
  host_apply (self, host_index (self, entry));
}

static void
host_changed_cb (GtkEntry                  *entry,
                 FalstaffPreferencesWindow *self)
{
  if (self->settings == NULL)
    return;
  update_host_row (self, host_index (self, entry));
}

/* Leaving the field uses what it holds, as Enter would. */
static void
host_focus_left_cb (GtkEventControllerFocus   *focus,
                    FalstaffPreferencesWindow *self)
{
  /* The window going away takes the focus too: nothing to use then. */
  if (self->settings == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  host_apply (self, host_index (self, GTK_ENTRY (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (focus)))));
}

static void
load_host (FalstaffPreferencesWindow *self,
           guint                      i)
{
  g_autofree char *stored = g_settings_get_string (self->settings, hosts[i].key);

  if (falstaff_settings_host_override (hosts[i].key) == NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->host_entries[i]), stored);
  update_host_row (self, i);
}

static void
hosts_reset_clicked_cb (FalstaffPreferencesWindow *self)
{
  for (guint i = 0; i < N_HOSTS; i++)
    {
      g_settings_reset (self->settings, hosts[i].key);
      load_host (self, i);
    }
}

static void
add_host_rows (FalstaffPreferencesWindow *self)
{
  gboolean any_free = FALSE;

  for (guint i = 0; i < N_HOSTS; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *entry = gtk_entry_new ();
      GtkEventController *focus = gtk_event_controller_focus_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(hosts[i].title));
      gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
      gtk_widget_set_hexpand (entry, TRUE);
      gtk_editable_set_width_chars (GTK_EDITABLE (entry), 24);
      gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_URL);
      gtk_entry_set_placeholder_text (GTK_ENTRY (entry), hosts[i].fallback ? hosts[i].fallback : "https://");
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _(hosts[i].title), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), entry);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), entry);
      adw_preferences_group_add (self->hosts_group, row);
      self->host_rows[i] = ADW_ACTION_ROW (row);
      self->host_entries[i] = GTK_ENTRY (entry);
      load_host (self, i);
      g_signal_connect_object (entry, "activate", G_CALLBACK (host_activated_cb), self, 0);
      g_signal_connect_object (entry, "changed", G_CALLBACK (host_changed_cb), self, 0);
      g_signal_connect_object (focus, "leave", G_CALLBACK (host_focus_left_cb), self, 0);
      gtk_widget_add_controller (entry, focus);
      any_free |= falstaff_settings_host_override (hosts[i].key) == NULL;
    }
  if (!any_free)
    gtk_widget_set_sensitive (adw_preferences_group_get_header_suffix (self->hosts_group), FALSE);
}

/* ------------------------------------------------------------------ settings */

static void
settings_changed_cb (FalstaffPreferencesWindow *self,
                     const char                *key)
{
  if (g_str_equal (key, "save-folder"))
    update_folder_row (self);
}

/* AdwEntryRow's icon buttons have no name in libadwaita 1.2: a screen
 * reader would say their class name. */
/* ------------------------------------------------------------------ GObject */

static void
falstaff_preferences_window_dispose (GObject *object)
{
  FalstaffPreferencesWindow *self = (FalstaffPreferencesWindow *)object;

  g_cancellable_cancel (self->key_cancellable);
  g_clear_object (&self->key_cancellable);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->client);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (falstaff_preferences_window_parent_class)->dispose (object);
}

static void
falstaff_preferences_window_class_init (FalstaffPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, key_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, check_spinner);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, check_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, forget_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, new_key_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, key_result_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, priority_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, lifetime_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, poll_switch);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, limit_spin);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, folder_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, folder_reset_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, FalstaffPreferencesWindow, hosts_group);
  gtk_widget_class_bind_template_callback (widget_class, check_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, forget_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_key_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, timeout_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_reset_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, hosts_reset_clicked_cb);
}

static void
falstaff_preferences_window_init (FalstaffPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  falstaff_accessible_name_icon_buttons (GTK_WIDGET (self->new_key_row), _("Check and use the key"));
}

FalstaffPreferencesWindow *
falstaff_preferences_window_new (GtkWindow       *parent,
                                 FalstaffSession *session)
{
  FalstaffPreferencesWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (FALSTAFF_IS_SESSION (session), NULL);

  self = g_object_new (FALSTAFF_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  self->session = g_object_ref (session);
  self->settings = falstaff_settings_new ();

  g_settings_bind (self->settings, "poll-only", self->poll_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notifications", self->notify_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "cost-confirm-limit", self->limit_spin, "value", G_SETTINGS_BIND_DEFAULT);
  self->last_timeout = g_settings_get_uint (self->settings, "start-timeout");
  g_settings_bind (self->settings, "start-timeout", self->timeout_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "queue-priority", self->priority_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, choice_to_index, index_to_choice,
                                (gpointer) priorities, NULL);
  g_settings_bind_with_mapping (self->settings, "output-lifetime", self->lifetime_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, choice_to_index, index_to_choice,
                                (gpointer) lifetimes, NULL);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
  update_folder_row (self);
  add_host_rows (self);

  g_signal_connect_object (session, "notify", G_CALLBACK (session_changed_cb), self, G_CONNECT_SWAPPED);
  watch_client (self);
  update_key_row (self);
  return self;
}

GtkWidget *_falstaff_preferences_window_get_check_button (FalstaffPreferencesWindow *self) { return self->check_button; }
GtkWidget *_falstaff_preferences_window_get_key_result_label (FalstaffPreferencesWindow *self) { return GTK_WIDGET (self->key_result_label); }
GtkWidget *_falstaff_preferences_window_get_key_row (FalstaffPreferencesWindow *self) { return GTK_WIDGET (self->key_row); }
GtkWidget *_falstaff_preferences_window_get_new_key_row (FalstaffPreferencesWindow *self) { return GTK_WIDGET (self->new_key_row); }
GtkWidget *_falstaff_preferences_window_get_priority_row (FalstaffPreferencesWindow *self) { return GTK_WIDGET (self->priority_row); }
GtkWidget *_falstaff_preferences_window_get_timeout_spin (FalstaffPreferencesWindow *self) { return GTK_WIDGET (self->timeout_spin); }
GtkWidget *_falstaff_preferences_window_get_lifetime_row (FalstaffPreferencesWindow *self) { return GTK_WIDGET (self->lifetime_row); }
GtkWidget *_falstaff_preferences_window_get_poll_switch (FalstaffPreferencesWindow *self) { return GTK_WIDGET (self->poll_switch); }
GtkWidget *_falstaff_preferences_window_get_limit_spin (FalstaffPreferencesWindow *self) { return GTK_WIDGET (self->limit_spin); }

GtkWidget *
_falstaff_preferences_window_get_host_row (FalstaffPreferencesWindow *self,
                                           const char                *key)
{
  for (guint i = 0; i < N_HOSTS; i++)
    if (g_str_equal (hosts[i].key, key))
      return GTK_WIDGET (self->host_rows[i]);
  return NULL;
}

GtkWidget *
_falstaff_preferences_window_get_host_entry (FalstaffPreferencesWindow *self,
                                             const char                *key)
{
  for (guint i = 0; i < N_HOSTS; i++)
    if (g_str_equal (hosts[i].key, key))
      return GTK_WIDGET (self->host_entries[i]);
  return NULL;
}
