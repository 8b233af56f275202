/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <time.h>
#include <string.h>

#include "fal.h"
#include "fal-form-model.h"
#include "fal-schema-cache.h"

#include "falstaff-announcer.h"
#include "falstaff-application.h"
#include "falstaff-catalog.h"
#include "falstaff-cost-label.h"
#include "falstaff-spending-dialog.h"
#include "falstaff-sweep-dialog.h"
#include "falstaff-endpoint-picker.h"
#include "falstaff-file-drop.h"
#include "falstaff-file-row.h"
#include "falstaff-form-view.h"
#include "falstaff-history-view.h"
#include "falstaff-request-view.h"
#include "falstaff-open-request-dialog.h"
#include "falstaff-output-keeper.h"
#include "falstaff-run-store.h"
#include "falstaff-send-to-dialog.h"
#include "falstaff-settings.h"
#include "falstaff-welcome-page.h"
#include "falstaff-window.h"
#include "falstaff-window-private.h"
#include "falstaff-contact-sheet.h"
#include "falstaff-compare-view.h"

#define MAX_RECENT 5

struct _FalstaffWindow
{
  AdwApplicationWindow parent_instance;

  /* Template. */
  AdwToastOverlay *toast_overlay;
  GtkStack *main_stack;
  AdwBin *welcome_bin;
  FalstaffWelcomePage *welcome_page;  /* made when first shown */
  AdwLeaflet *leaflet;
  GtkWidget *sidebar;
  GtkWidget *content;
  AdwLeaflet *content_leaflet;
  GtkWidget *back_button;
  FalstaffEndpointPicker *picker;
  AdwWindowTitle *window_title;
  GtkWidget *run_button;
  GtkWidget *cancel_button;
  GtkWidget *variations_button;
  GtkToggleButton *stream_toggle;
  GtkRevealer *demo_banner;
  GtkRevealer *key_banner;
  GtkLabel *key_banner_label;
  GtkWidget *key_banner_close;
  GtkStack *form_stack;
  GtkSpinner *form_spinner;
  AdwStatusPage *form_error_page;
  FalstaffFormView *form_view;
  AdwBin *run_bin;
  FalstaffRequestView *request_view;   /* made after the first frame, or when first wanted */
  GtkStack *results_stack;
  GtkSizeGroup *panes_size_group;
  AdwBin *sheet_bin;
  AdwBin *compare_bin;
  FalstaffContactSheet *contact_sheet;  /* made when first wanted */
  FalstaffCompareView *compare_view;    /* made when first wanted */
  AdwBin *history_bin;
  FalstaffHistoryView *history_view;  /* made when first shown */
  GtkStack *sidebar_stack;

  FalstaffSession *session;
  GSettings *settings;
  GtkDropTarget *drop_target;
  FalstaffCatalog *catalog;
  char *endpoint_id;
  FalFormModel *form_model;
  GCancellable *schema_cancellable;
  /* Prices of fal's endpoints, and the line under the form that shows
   * the current one's. */
  FalPricing *pricing;
  GCancellable *price_cancellable;
  FalstaffCostLabel *cost_label;
  /* While a run waits for its uploads: Cancel ends the wait. */
  GCancellable *upload_wait;
  /* Every run, the one shown, and those this window follows now. */
  FalstaffApplication *history_app;
  FalstaffRunStore *store;
  FalstaffOutputKeeper *keeper;
  FalstaffRun *shown_run;
  GPtrArray *active_runs;
  /* The last runs that finished in this window, with their jobs, logs
   * and JSON in memory; older ones let go of them (keep_finished()). */
  GQueue kept_finished;
  guint pending_submits;
  /* Run pressed before the history was read: the body waits. */
  JsonNode *body_when_loaded;
  gboolean reattached;
  gboolean history_read;      /* asked the application to read it */
  guint after_first_frame_id;
  /* A frame was painted while mapped. */
  gboolean drawn;
  gboolean after_first_frame_done;
  guint layout_idle_id;
  guint form_spinner_id;
  gboolean running;
  gboolean close_confirmed;
  /* A person picked the endpoint: once its form is there, typing goes
   * into it. A restored endpoint leaves the focus in the search. */
  gboolean focus_form_when_ready;
  /* The key message the person closed: it stays closed. */
  char *dismissed_key_warning;
  /* Run Again on another endpoint: the inputs wait for its form. */
  JsonNode *pending_inputs;
  char *pending_inputs_endpoint;
  /* Send to… another endpoint: the output waits for its form. */
  char *pending_send_url;
  char *pending_send_endpoint;
};

G_DEFINE_FINAL_TYPE (FalstaffWindow, falstaff_window, ADW_TYPE_APPLICATION_WINDOW)

static FalstaffRequestView *ensure_request_view (FalstaffWindow *self);

enum {
  PROP_0,
  PROP_SESSION,
  PROP_HISTORY_APP,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_actions (FalstaffWindow *self);

/* ------------------------------------------------------------------ helpers */

static void
toast (FalstaffWindow *self,
       const char     *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
  /* libadwaita 1.2's toasts are silent to screen readers. */
  falstaff_announce (GTK_WIDGET (self), text);
}

static gboolean
shown_run_active (FalstaffWindow *self)
{
  FalJob *job = self->shown_run ? falstaff_run_get_job (self->shown_run) : NULL;

  return job != NULL && !fal_job_is_done (job);
}

/* Runs go on side by side; "running" is whether any of this window's
 * runs (or a wait for uploads) still goes. */
static void
update_running (FalstaffWindow *self)
{
  gboolean running = self->active_runs->len > 0 || self->pending_submits > 0 || self->upload_wait != NULL;

  /* Cancel only while the run shown can be cancelled: room for the
   * endpoint's title on a narrow window. */
  gtk_widget_set_visible (self->cancel_button, self->upload_wait != NULL || shown_run_active (self));
  update_actions (self);
  if (self->running == running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* A run that ended before or at its submit: the error in the request view. */
static void
run_failed (FalstaffWindow *self,
            const GError   *error)
{
  /* Refused before it reached fal: the last run's result stays. */
  falstaff_request_view_show_not_sent (ensure_request_view (self), error);
  update_running (self);
}

static void
update_actions (FalstaffWindow *self)
{
  gboolean studio = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "studio") == 0;

  /* Run is always there: each press starts a new run beside the others
   * (only not while one waits for its files). */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run",
                                 studio && self->upload_wait == NULL && self->form_model != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel",
                                 self->upload_wait != NULL || shown_run_active (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run-variations",
                                 studio && self->upload_wait == NULL && self->form_model != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-sweep",
                                 self->shown_run != NULL && falstaff_run_get_sweep_id (self->shown_run) != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run-by-queue",
                                 studio && self->upload_wait == NULL && self->form_model != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset-form", self->form_model != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-as-code",
                                 studio && _falstaff_window_can_copy_as_code (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run-again", studio && self->shown_run != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.use-seed",
                                 self->shown_run != NULL && falstaff_run_get_seed (self->shown_run) >= 0 &&
                                 self->form_model != NULL && fal_form_model_get_field (self->form_model, "seed"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.submit-again",
                                 studio && self->shown_run != NULL && falstaff_run_needs_submit_again (self->shown_run));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-run", self->shown_run != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-request", studio);
  /* Behind a proxy with no key of its own there is none to forget. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.forget-key",
                                 falstaff_session_get_mode (self->session) == FALSTAFF_SESSION_ONLINE &&
                                 fal_client_has_key (falstaff_session_get_client (self->session)));
}

/* A banner out of view is hidden, not only folded away: a folded
 * GtkRevealer still has its child (a wrapping label) measured at every
 * layout, the first frame's too. It slides in and out as before. */
static void
banner_revealed_cb (GtkRevealer *banner)
{
  if (!gtk_revealer_get_reveal_child (banner) && !gtk_revealer_get_child_revealed (banner))
    gtk_widget_set_visible (GTK_WIDGET (banner), FALSE);
}

static void
show_banner (GtkRevealer *banner,
             gboolean     shown)
{
  if (shown)
    gtk_widget_set_visible (GTK_WIDGET (banner), TRUE);
  gtk_revealer_set_reveal_child (banner, shown);
  banner_revealed_cb (banner);
}

static void
update_banners (FalstaffWindow *self)
{
  const char *warning = falstaff_session_get_key_warning (self->session);

  show_banner (self->demo_banner, falstaff_session_get_mode (self->session) == FALSTAFF_SESSION_DEMO);
  gtk_label_set_text (self->key_banner_label, warning ? warning : "");
  show_banner (self->key_banner, warning != NULL && g_strcmp0 (warning, self->dismissed_key_warning) != 0);
  falstaff_endpoint_picker_set_local_only (self->picker,
                                           falstaff_session_get_mode (self->session) == FALSTAFF_SESSION_DEMO);
}

static void welcome_key_entered_cb (FalstaffWindow *self,
                                    const char     *key);
static void welcome_demo_requested_cb (FalstaffWindow *self);

static FalstaffWelcomePage *
ensure_welcome_page (FalstaffWindow *self)
{
  if (self->welcome_page == NULL)
    {
      self->welcome_page = g_object_new (FALSTAFF_TYPE_WELCOME_PAGE, NULL);
      g_signal_connect_swapped (self->welcome_page, "key-entered", G_CALLBACK (welcome_key_entered_cb), self);
      g_signal_connect_swapped (self->welcome_page, "demo-requested", G_CALLBACK (welcome_demo_requested_cb), self);
      adw_bin_set_child (self->welcome_bin, GTK_WIDGET (self->welcome_page));
    }
  return self->welcome_page;
}

/* Focus starts where a person starts: the key field on the welcome page,
 * the endpoint search in the studio. Before the key is looked up the
 * welcome page is not made yet, and nothing takes the focus. */
static void
focus_start (FalstaffWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "studio") == 0)
    gtk_widget_grab_focus (falstaff_endpoint_picker_get_search_entry (self->picker));
  else if (self->welcome_page)
    gtk_widget_grab_focus (falstaff_welcome_page_get_key_row (self->welcome_page));
}

/* Before the window is mapped, a grab may not hold: once it is shown,
 * nothing focused means the start. */
static gboolean
focus_after_map_cb (gpointer data)
{
  FalstaffWindow *self = data;

  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && gtk_window_get_focus (GTK_WINDOW (self)) == NULL)
    focus_start (self);
  return G_SOURCE_REMOVE;
}

static void
window_map_cb (FalstaffWindow *self)
{
  /* Not from inside map: GTK is still handing out focus events. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, focus_after_map_cb, g_object_ref (self), g_object_unref);
}

/* An AdwLeaflet moves the focus into the child it shows. When it is not
 * folded both children stay in view, and the focus stays where the
 * person had it (typing in the search must not land on a toggle). */
static void
show_leaflet_child (FalstaffWindow *self,
                    AdwLeaflet     *leaflet,
                    GtkWidget      *child)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));

  adw_leaflet_set_visible_child (leaflet, child);
  if (!adw_leaflet_get_folded (leaflet) && focus && gtk_window_get_focus (GTK_WINDOW (self)) != focus)
    gtk_widget_grab_focus (focus);
}

static void
key_banner_dismissed_cb (FalstaffWindow *self)
{
  g_free (self->dismissed_key_warning);
  self->dismissed_key_warning = g_strdup (falstaff_session_get_key_warning (self->session));
  update_banners (self);
}

static void
show_page (FalstaffWindow *self,
           const char     *name)
{
  if (g_str_equal (name, "welcome"))
    ensure_welcome_page (self);
  /* Before the first frame there is nothing to fade from: the key (from
   * the environment) comes back once the window is mapped, and the
   * crossfade made the first frame an empty page, the studio fading in
   * over the next 200 ms (both drawn at every step). */
  if (self->drawn)
    gtk_stack_set_visible_child_name (self->main_stack, name);
  else
    gtk_stack_set_visible_child_full (self->main_stack, name, GTK_STACK_TRANSITION_TYPE_NONE);
  update_banners (self);
  update_actions (self);
  focus_start (self);
}

/* ------------------------------------------------------------------ form values */

/* Values are kept per endpoint, and apart for the offline demo: its file
 * inputs live on the local server, which a session with a key can't reach
 * (and the demo can't fetch fal's). */
static char *
form_values_key (FalstaffWindow *self)
{
  if (falstaff_session_get_mode (self->session) == FALSTAFF_SESSION_DEMO)
    return g_strconcat ("demo:", self->endpoint_id, NULL);
  return g_strdup (self->endpoint_id);
}

/* The changed values of the current form, kept per endpoint. */
static void
save_form_values (FalstaffWindow *self)
{
  g_autoptr(GVariant) old = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  g_autoptr(JsonObject) values = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *values_key = NULL;
  GVariantIter iter;
  const char *key, *value;
  guint n;

  if (self->form_model == NULL || self->endpoint_id == NULL)
    return;

  values = json_object_new ();
  n = g_list_model_get_n_items (G_LIST_MODEL (self->form_model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (self->form_model), i);
      const char *name = fal_form_field_get_name (field);
      JsonNode *current = fal_form_model_get_value (self->form_model, name);

      if (fal_form_model_is_changed (self->form_model, name) && current)
        json_object_set_member (values, name, fal_json_deep_copy (current));
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, values);
  text = fal_json_to_string (node, FALSE);

  values_key = form_values_key (self);
  old = g_settings_get_value (self->settings, "form-values");
  g_variant_iter_init (&iter, old);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    if (!g_str_equal (key, values_key))
      g_variant_builder_add (&builder, "{ss}", key, value);
  g_variant_builder_add (&builder, "{ss}", values_key, text);
  g_settings_set_value (self->settings, "form-values", g_variant_builder_end (&builder));
}

static void
restore_form_values (FalstaffWindow *self)
{
  g_autoptr(GVariant) all = g_settings_get_value (self->settings, "form-values");
  g_autofree char *values_key = form_values_key (self);
  const char *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (!g_variant_lookup (all, values_key, "&s", &text))
    return;
  node = fal_json_parse (text, strlen (text), NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value))
    fal_form_model_set_value (self->form_model, name, value);
}

/* A past run's inputs, exactly, in place of the form's values (fields
 * the endpoint no longer has are left out). */
static void
set_form_inputs (FalstaffWindow *self,
                 JsonNode       *inputs)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  fal_form_model_reset (self->form_model);
  if (inputs == NULL || !JSON_NODE_HOLDS_OBJECT (inputs))
    return;
  json_object_iter_init (&iter, json_node_get_object (inputs));
  while (json_object_iter_next (&iter, &name, &value))
    fal_form_model_set_value (self->form_model, name, value);
}

/* The first file field that takes the output gets its link (no upload:
 * fal reads it where it is). */
static gboolean
send_into_form (FalstaffWindow *self,
                const char     *url)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  if (self->form_model == NULL)
    return FALSE;
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, url);
  rows = falstaff_form_view_get_file_rows (self->form_view);
  for (guint i = 0; i < rows->len; i++)
    {
      FalstaffFileRow *row = g_ptr_array_index (rows, i);

      if (falstaff_file_row_accepts (row, &value))
        {
          falstaff_file_row_add_value (row, &value);
          gtk_widget_grab_focus (GTK_WIDGET (row));
          return TRUE;
        }
    }
  return FALSE;
}

static void
remember_endpoint (FalstaffWindow *self,
                   const char     *endpoint_id)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-endpoints");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  guint n = 1;

  g_strv_builder_add (builder, endpoint_id);
  for (guint i = 0; recent[i] && n < MAX_RECENT; i++)
    if (!g_str_equal (recent[i], endpoint_id))
      {
        g_strv_builder_add (builder, recent[i]);
        n++;
      }
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-endpoints", (const char * const *) updated);
  g_settings_set_string (self->settings, "last-endpoint", endpoint_id);
}

/* ------------------------------------------------------------------ endpoint */

static gboolean
stream_choice (FalstaffWindow *self,
               const char     *endpoint_id)
{
  g_autoptr(GVariant) choices = g_settings_get_value (self->settings, "stream-choices");
  FalstaffEndpointInfo *info = falstaff_catalog_lookup (self->catalog, endpoint_id);
  gboolean choice;

  if (g_variant_lookup (choices, endpoint_id, "b", &choice))
    return choice;
  /* The queue by default for ids not in the catalog. */
  return info != NULL && falstaff_endpoint_info_get_streams (info);
}

static void layout_changed_cb (FalstaffWindow *self);

static void
stream_toggled_cb (FalstaffWindow *self)
{
  g_autoptr(GVariant) old = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{sb}"));
  GVariantIter iter;
  const char *key;
  gboolean value;

  if (self->endpoint_id == NULL)
    return;
  old = g_settings_get_value (self->settings, "stream-choices");
  g_variant_iter_init (&iter, old);
  while (g_variant_iter_next (&iter, "{&sb}", &key, &value))
    if (!g_str_equal (key, self->endpoint_id))
      g_variant_builder_add (&builder, "{sb}", key, value);
  g_variant_builder_add (&builder, "{sb}", self->endpoint_id, gtk_toggle_button_get_active (self->stream_toggle));
  g_settings_set_value (self->settings, "stream-choices", g_variant_builder_end (&builder));
}

static void
focus_first_field (FalstaffWindow *self)
{
  g_autoptr(FalFormField) first = NULL;
  GtkWidget *control;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->form_model)) == 0)
    return;
  first = g_list_model_get_item (G_LIST_MODEL (self->form_model), 0);
  control = falstaff_form_view_get_row (self->form_view, fal_form_field_get_name (first));
  if (control)
    gtk_widget_grab_focus (control);
}

/* ------------------------------------------------------------------ cost */

static void read_history (FalstaffWindow *self);

static void
spending_listed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  FalstaffSpendingDialog *dialog;

  /* Summed over what could be read: a history that failed to list its
   * finished runs still has this session's. */
  falstaff_run_store_complete_finish (FALSTAFF_RUN_STORE (source), result, NULL);
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  dialog = falstaff_spending_dialog_new (GTK_WINDOW (self), G_LIST_MODEL (source), self->settings);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_spending_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  if (self->store == NULL)
    return;
  /* Every run's cost: the finished runs are listed first. */
  read_history (self);
  falstaff_run_store_complete_async (self->store, NULL, spending_listed_cb, g_object_ref (self));
}

/* The form's values as the body would carry them: what
 * fal_price_units_for_input() reads its units from. */
static JsonObject *
cost_inputs (FalstaffWindow *self)
{
  JsonObject *inputs = json_object_new ();
  guint n = self->form_model ? g_list_model_get_n_items (G_LIST_MODEL (self->form_model)) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (self->form_model), i);
      const char *name = fal_form_field_get_name (field);
      JsonNode *value = fal_form_model_get_value (self->form_model, name);

      if (value)
        json_object_set_member (inputs, name, json_node_copy (value));
    }
  return inputs;
}

static void
update_cost_estimate (FalstaffWindow *self)
{
  g_autoptr(JsonObject) inputs = NULL;

  /* The model may outlive a window being disposed. */
  if (self->cost_label == NULL)
    return;
  inputs = cost_inputs (self);
  falstaff_cost_label_set_inputs (self->cost_label, inputs);
}

static void
prices_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) prices = fal_pricing_get_prices_finish (FAL_PRICING (source), result, &error);
  const FalPrice *price;

  if (g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED))
    return;
  price = _falstaff_window_get_price (self);
  falstaff_cost_label_set_price (self->cost_label, price);
  /* Variations opened before the price came get their total now. */
  if (price)
    {
      GListModel *toplevels = gtk_window_get_toplevels ();

      for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
        {
          g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

          if (FALSTAFF_IS_SWEEP_DIALOG (window) && gtk_window_get_transient_for (window) == GTK_WINDOW (self))
            falstaff_sweep_dialog_set_price (FALSTAFF_SWEEP_DIALOG (window), price,
                                             g_settings_get_double (self->settings, "cost-confirm-limit"));
        }
    }
  if (price == NULL)
    {
      gboolean behind_proxy = fal_client_get_proxy_url (falstaff_session_get_client (self->session)) != NULL &&
                              !fal_client_has_key (falstaff_session_get_client (self->session));

      /* Behind a proxy the key is the proxy's: the person has none to fix. */
      if (behind_proxy && g_error_matches (error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED))
        falstaff_cost_label_set_reason (self->cost_label, _("No prices: fal refused the key of the proxy Falstaff goes through"));
      else if (g_error_matches (error, FAL_ERROR, FAL_ERROR_MISSING_KEY) ||
               g_error_matches (error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED))
        falstaff_cost_label_set_reason (self->cost_label, _("Prices show once fal accepts your API key"));
      else if (error)
        falstaff_cost_label_set_reason (self->cost_label, _("The price could not be fetched from fal"));
      else
        falstaff_cost_label_set_reason (self->cost_label, _("fal lists no price for this endpoint"));
    }
  update_cost_estimate (self);
}

/* The price of the endpoint shown: known at once when asked before. */
static void
update_price (FalstaffWindow *self)
{
  const char *ids[] = { self->endpoint_id, NULL };

  g_cancellable_cancel (self->price_cancellable);
  g_clear_object (&self->price_cancellable);
  falstaff_cost_label_set_reason (self->cost_label, NULL);
  falstaff_cost_label_set_price (self->cost_label, _falstaff_window_get_price (self));
  update_cost_estimate (self);
  if (self->endpoint_id == NULL || _falstaff_window_get_price (self) != NULL)
    return;
  if (self->pricing == NULL)
    self->pricing = fal_pricing_new (falstaff_session_get_client (self->session));
  self->price_cancellable = g_cancellable_new ();
  fal_pricing_get_prices_async (self->pricing, ids, self->price_cancellable, prices_cb, g_object_ref (self));
}

const FalPrice *
_falstaff_window_get_price (FalstaffWindow *self)
{
  return self->pricing && self->endpoint_id ? fal_pricing_lookup (self->pricing, self->endpoint_id) : NULL;
}

static void
form_value_changed_cb (FalstaffWindow *self)
{
  update_cost_estimate (self);
  update_actions (self);
}

static void
schema_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  g_autoptr(GError) error = NULL;
  FalSchemaSource schema_source = FAL_SCHEMA_SOURCE_FETCHED;
  g_autoptr(JsonNode) document = fal_client_fetch_schema_finish (FAL_CLIENT (source), result, &schema_source, &error);
  g_autoptr(FalFormModel) model = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED))
    return;
  if (document)
    model = fal_form_model_new_from_openapi (document, self->endpoint_id, &error);
  if (model == NULL)
    {
      g_autofree char *line = error->domain == FAL_ERROR ? fal_error_describe (error) : g_strdup (error->message);

      adw_status_page_set_description (self->form_error_page, line);
      gtk_stack_set_visible_child_name (self->form_stack, "error");
      update_actions (self);
      return;
    }
  if (schema_source == FAL_SCHEMA_SOURCE_CACHED_OFFLINE)
    toast (self, _("Offline: using the saved form of this endpoint"));

  /* Recent and restored only once fal knew it: a made-up id is not kept. */
  remember_endpoint (self, self->endpoint_id);
  {
    g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-endpoints");
    falstaff_endpoint_picker_set_recent (self->picker, (const char * const *) recent);
    falstaff_endpoint_picker_select (self->picker, self->endpoint_id);
  }
  if (self->form_model)
    g_signal_handlers_disconnect_by_func (self->form_model, form_value_changed_cb, self);
  g_set_object (&self->form_model, model);
  g_signal_connect_object (model, "value-changed", G_CALLBACK (form_value_changed_cb), self, G_CONNECT_SWAPPED);
  restore_form_values (self);
  if (self->pending_inputs && g_strcmp0 (self->pending_inputs_endpoint, self->endpoint_id) == 0)
    set_form_inputs (self, self->pending_inputs);
  g_clear_pointer (&self->pending_inputs, json_node_unref);
  g_clear_pointer (&self->body_when_loaded, json_node_unref);
  g_clear_pointer (&self->pending_inputs_endpoint, g_free);
  falstaff_form_view_set_client (self->form_view, falstaff_session_get_client (self->session));
  falstaff_form_view_set_model (self->form_view, model);
  gtk_stack_set_visible_child_name (self->form_stack, "form");
  update_price (self);
  if (self->pending_send_url && g_strcmp0 (self->pending_send_endpoint, self->endpoint_id) == 0 &&
      !send_into_form (self, self->pending_send_url))
    toast (self, _("This endpoint's form has no field for it"));
  g_clear_pointer (&self->pending_send_url, g_free);
  g_clear_pointer (&self->pending_send_endpoint, g_free);
  update_actions (self);
  if (self->focus_form_when_ready)
    focus_first_field (self);
  self->focus_form_when_ready = FALSE;
}

void
falstaff_window_select_endpoint (FalstaffWindow *self,
                                 const char     *endpoint_id)
{
  FalstaffEndpointInfo *info;
  FalstaffEndpointInfo *found;

  g_return_if_fail (FALSTAFF_IS_WINDOW (self));

  self->focus_form_when_ready = FALSE;
  save_form_values (self);
  g_cancellable_cancel (self->schema_cancellable);
  g_cancellable_cancel (self->price_cancellable);
  g_clear_object (&self->price_cancellable);
  if (self->form_model)
    g_signal_handlers_disconnect_by_func (self->form_model, form_value_changed_cb, self);
  g_clear_object (&self->schema_cancellable);
  g_clear_object (&self->form_model);
  falstaff_form_view_set_model (self->form_view, NULL);

  g_free (self->endpoint_id);
  self->endpoint_id = g_strdup (endpoint_id);
  info = falstaff_catalog_lookup (self->catalog, endpoint_id);
  found = falstaff_endpoint_picker_lookup (self->picker, endpoint_id);
  /* The model's name is what a person reads (and what must fit at
   * 360 px); the id is beneath it. An id nobody knows is its own title. */
  if (info && falstaff_endpoint_info_get_description (info) && *falstaff_endpoint_info_get_description (info))
    {
      adw_window_title_set_title (self->window_title, falstaff_endpoint_info_get_description (info));
      adw_window_title_set_subtitle (self->window_title, endpoint_id);
    }
  else if (found && falstaff_endpoint_info_get_display_name (found) &&
           g_strcmp0 (falstaff_endpoint_info_get_display_name (found), endpoint_id) != 0)
    {
      adw_window_title_set_title (self->window_title, falstaff_endpoint_info_get_display_name (found));
      adw_window_title_set_subtitle (self->window_title, endpoint_id);
    }
  else
    {
      adw_window_title_set_title (self->window_title, endpoint_id);
      adw_window_title_set_subtitle (self->window_title, "");
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->window_title), endpoint_id);
  /* Only endpoints known to stream offer it. */
  gtk_widget_set_visible (GTK_WIDGET (self->stream_toggle), info != NULL && falstaff_endpoint_info_get_streams (info));
  g_signal_handlers_block_by_func (self->stream_toggle, stream_toggled_cb, self);
  gtk_toggle_button_set_active (self->stream_toggle, stream_choice (self, endpoint_id));
  g_signal_handlers_unblock_by_func (self->stream_toggle, stream_toggled_cb, self);

  falstaff_endpoint_picker_select (self->picker, endpoint_id);

  gtk_stack_set_visible_child_name (self->form_stack, "loading");
  show_leaflet_child (self, self->leaflet, self->content);
  show_leaflet_child (self, self->content_leaflet, GTK_WIDGET (self->form_stack));
  update_actions (self);

  self->schema_cancellable = g_cancellable_new ();
  fal_client_fetch_schema_async (falstaff_session_get_client (self->session), endpoint_id,
                                 self->schema_cancellable, schema_cb, g_object_ref (self));
}

static void
endpoint_activated_cb (FalstaffWindow *self,
                       const char     *endpoint_id)
{
  falstaff_window_select_endpoint (self, endpoint_id);
  self->focus_form_when_ready = TRUE;
}

/* ------------------------------------------------------------------ run */

static void show_run (FalstaffWindow *self,
                      FalstaffRun    *run);
static void keep_outputs (FalstaffWindow *self,
                          FalstaffRun    *run);
static void follow_run (FalstaffWindow *self,
                        FalstaffRun    *run,
                        FalJob         *job);

static void history_selection_changed_cb (FalstaffWindow *self);

/* The History page is made when first shown or asked for: at start it is
 * hidden, and its list of a long history was a good part of the window. */
static FalstaffHistoryView *
ensure_history_view (FalstaffWindow *self)
{
  if (self->history_view)
    return self->history_view;
  /* The list is wanted now: its runs too, first frame or not. */
  read_history (self);
  self->history_view = g_object_new (FALSTAFF_TYPE_HISTORY_VIEW, NULL);
  falstaff_run_store_complete_async (self->store, NULL, NULL, NULL);
  falstaff_history_view_set_runs (self->history_view, G_LIST_MODEL (self->store));
  if (self->keeper)
    falstaff_history_view_set_output_keeper (self->history_view, self->keeper);
  if (self->shown_run)
    falstaff_history_view_select (self->history_view, G_OBJECT (self->shown_run));
  g_signal_connect_swapped (self->history_view, "selection-changed", G_CALLBACK (history_selection_changed_cb), self);
  g_signal_connect_swapped (self->history_view, "compare", G_CALLBACK (_falstaff_window_history_compare_cb), self);
  adw_bin_set_child (self->history_bin, GTK_WIDGET (self->history_view));
  return self->history_view;
}

static void
sidebar_page_changed_cb (FalstaffWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->sidebar_stack), "history") == 0)
    ensure_history_view (self);
}

static void
history_selection_changed_cb (FalstaffWindow *self)
{
  GObject *run = falstaff_history_view_get_selected (self->history_view);

  if (run && FALSTAFF_RUN (run) != self->shown_run)
    {
      show_run (self, FALSTAFF_RUN (run));
      /* On a narrow window the run takes the place of the list. */
      show_leaflet_child (self, self->leaflet, self->content);
      show_leaflet_child (self, self->content_leaflet, GTK_WIDGET (self->results_stack));
    }
}

/* Nothing lost: every run submitted and not finished is followed again
 * by its request id, once per window life, when the history is loaded
 * and the studio has a client. A run with no request id was never
 * confirmed: it stays as it is, for the person to see. */
static void
reattach_runs (FalstaffWindow *self)
{
  FalClient *client = falstaff_session_get_client (self->session);
  g_autoptr(GPtrArray) unfinished = NULL;
  guint n_unconfirmed = 0;

  if (self->reattached || !falstaff_run_store_is_loaded (self->store) ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "studio") != 0)
    return;
  self->reattached = TRUE;
  unfinished = falstaff_run_store_get_unfinished (self->store);
  for (guint i = 0; i < unfinished->len; i++)
    {
      FalstaffRun *run = g_ptr_array_index (unfinished, i);
      g_autoptr(FalRequest) request = NULL;

      if (falstaff_run_needs_submit_again (run))
        {
          n_unconfirmed++;
          continue;
        }
      if (falstaff_run_get_job (run) != NULL)
        continue;
      request = fal_client_attach (client, falstaff_run_get_endpoint_id (run), falstaff_run_get_request_id (run), NULL);
      if (request == NULL)
        continue;
      fal_request_restore_times (request, falstaff_run_get_submitted_at (run), falstaff_run_get_started_at (run));
      follow_run (self, run, FAL_JOB (request));
    }
  if (self->active_runs->len > 0 && self->shown_run == NULL)
    show_run (self, g_ptr_array_index (self->active_runs, 0));
  if (n_unconfirmed > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u run was never confirmed by fal: it is in the History, to submit again",
                                                         "%u runs were never confirmed by fal: they are in the History, to submit again",
                                                         n_unconfirmed), n_unconfirmed);
      toast (self, text);
    }
}

static void start_run (FalstaffWindow *self,
                       JsonNode       *body);

static void
store_loaded_cb (FalstaffWindow *self)
{
  const char *recovery = falstaff_run_store_get_recovery_message (self->store);

  if (recovery)
    toast (self, recovery);
  if (self->body_when_loaded && falstaff_run_store_is_loaded (self->store))
    {
      g_autoptr(JsonNode) body = g_steal_pointer (&self->body_when_loaded);

      self->pending_submits--;
      start_run (self, body);
    }
  reattach_runs (self);
}

/* A 422 names fields: put its errors on their rows. */
static void
show_field_errors (FalstaffWindow *self,
                   const GError   *error)
{
  JsonArray *fields = error ? fal_error_get_field_errors (error) : NULL;

  if (fields)
    falstaff_form_view_show_errors (self->form_view, fields);
}

/* The run's page of the results: made for the studio's second frame
 * (show_studio_body ()), or sooner when a run is shown before it. Its
 * ~300 widgets were a good part of the first frame. */
static FalstaffRequestView *
ensure_request_view (FalstaffWindow *self)
{
  if (self->request_view)
    return self->request_view;
  self->request_view = g_object_new (FALSTAFF_TYPE_REQUEST_VIEW, "hexpand", TRUE, NULL);
  if (self->keeper)
    falstaff_request_view_set_output_keeper (self->request_view, self->keeper);
  adw_bin_set_child (self->run_bin, GTK_WIDGET (self->request_view));
  return self->request_view;
}

/* The contact sheet and the comparison are made when first wanted: most
 * sessions show neither, and their types' templates alone were ~3 ms of
 * the first frame. */
static FalstaffContactSheet *
ensure_contact_sheet (FalstaffWindow *self)
{
  if (self->contact_sheet)
    return self->contact_sheet;
  self->contact_sheet = g_object_new (FALSTAFF_TYPE_CONTACT_SHEET, "hexpand", TRUE, NULL);
  g_signal_connect_swapped (self->contact_sheet, "open-run", G_CALLBACK (_falstaff_window_sheet_open_run_cb), self);
  g_signal_connect_swapped (self->contact_sheet, "run-again", G_CALLBACK (_falstaff_window_sheet_run_again_cb), self);
  g_signal_connect_swapped (self->contact_sheet, "message", G_CALLBACK (_falstaff_window_sheet_message_cb), self);
  if (self->keeper)
    falstaff_contact_sheet_set_output_keeper (self->contact_sheet, self->keeper);
  adw_bin_set_child (self->sheet_bin, GTK_WIDGET (self->contact_sheet));
  return self->contact_sheet;
}

static FalstaffCompareView *
ensure_compare_view (FalstaffWindow *self)
{
  if (self->compare_view)
    return self->compare_view;
  self->compare_view = g_object_new (FALSTAFF_TYPE_COMPARE_VIEW, "hexpand", TRUE, NULL);
  if (self->keeper)
    falstaff_compare_view_set_output_keeper (self->compare_view, self->keeper);
  adw_bin_set_child (self->compare_bin, GTK_WIDGET (self->compare_view));
  return self->compare_view;
}

/* A sheet or a comparison takes the room the form leaves it (the form
 * keeps its narrowest width); one run shares the width evenly. */
static void
set_results_page (FalstaffWindow *self,
                  const char     *name)
{
  if (g_strcmp0 (name, "sweep") == 0)
    ensure_contact_sheet (self);
  else if (g_strcmp0 (name, "compare") == 0)
    ensure_compare_view (self);

  gboolean wide = g_strcmp0 (name, "run") != 0;
  gboolean grouped = g_slist_find (gtk_size_group_get_widgets (self->panes_size_group), self->form_stack) != NULL;

  gtk_stack_set_visible_child_name (self->results_stack, name);
  gtk_widget_set_hexpand (GTK_WIDGET (self->form_stack), !wide);
  if (wide && grouped)
    gtk_size_group_remove_widget (self->panes_size_group, GTK_WIDGET (self->form_stack));
  else if (!wide && !grouped)
    gtk_size_group_add_widget (self->panes_size_group, GTK_WIDGET (self->form_stack));
}

/* Shows one run, and only it, in the results pane (and its row in the
 * history). */
static void
show_run (FalstaffWindow *self,
          FalstaffRun    *run)
{
  g_set_object (&self->shown_run, run);
  falstaff_request_view_set_run (ensure_request_view (self), run, self->store);
  set_results_page (self, "run");
  /* One whose files were not all kept before (fal unreachable then). */
  if (run && falstaff_run_get_job (run) == NULL)
    keep_outputs (self, run);
  if (run && self->history_view && falstaff_history_view_get_selected (self->history_view) != G_OBJECT (run))
    falstaff_history_view_select (self->history_view, G_OBJECT (run));
  update_running (self);
}

static void
notify_finished (FalstaffWindow *self,
                 FalstaffRun    *run)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = NULL;
  const char *title;

  if (app == NULL || gtk_window_is_active (GTK_WINDOW (self)) ||
      !g_settings_get_boolean (self->settings, "notifications"))
    return;
  if (falstaff_run_get_sweep_id (run) != 0)
    {
      /* One notice for a whole sweep, not one a cell. */
      if (_falstaff_window_sweep_finished (self, run, self->active_runs, &notification))
        {
          g_notification_set_default_action_and_target (notification, "app.show-run", "x", falstaff_run_get_id (run));
          id = g_strdup_printf ("sweep-%" G_GINT64_FORMAT, falstaff_run_get_sweep_id (run));
          g_application_send_notification (app, id, notification);
        }
      return;
    }
  switch (falstaff_run_get_status (run))
    {
    case FAL_JOB_COMPLETED: title = _("Run completed"); break;
    case FAL_JOB_CANCELLED: title = _("Run cancelled"); break;
    default:                title = _("Run failed"); break;
    }
  notification = g_notification_new (title);
  g_notification_set_body (notification, falstaff_run_get_endpoint_id (run));
  g_notification_set_default_action_and_target (notification, "app.show-run", "x", falstaff_run_get_id (run));
  id = g_strdup_printf ("run-%" G_GINT64_FORMAT, falstaff_run_get_id (run));
  g_application_send_notification (app, id, notification);
}

static void
outputs_kept_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GError) error = NULL;
  guint n_kept = 0;

  /* Not kept (an expired link, no room): the run keeps fal's links, and
   * the next showing of it tries again. */
  if (!falstaff_output_keeper_keep_finish (FALSTAFF_OUTPUT_KEEPER (source), result, &n_kept, &error))
    g_message ("Outputs of run %" G_GINT64_FORMAT " not all kept: %s", (gint64) GPOINTER_TO_SIZE (data), error->message);
}

/* A completed run's media go to disk: the history works offline and
 * after fal's links expire. Kept files are not fetched again. */
static void
keep_outputs (FalstaffWindow *self,
              FalstaffRun    *run)
{
  if (self->keeper == NULL || falstaff_run_get_status (run) != FAL_JOB_COMPLETED ||
      falstaff_run_get_result (run) == NULL)
    return;
  falstaff_output_keeper_keep_async (self->keeper, falstaff_run_get_id (run), falstaff_run_get_result (run), NULL,
                                     outputs_kept_cb, GSIZE_TO_POINTER (falstaff_run_get_id (run)));
}

/* What a screen reader hears when the shown run moves on. */
static char *
status_announcement (FalstaffRun *run)
{
  const char *message;

  switch (falstaff_run_get_status (run))
    {
    case FAL_JOB_IN_QUEUE:
      return g_strdup (_("Run in queue"));
    case FAL_JOB_IN_PROGRESS:
      return g_strdup (_("Run started"));
    case FAL_JOB_COMPLETED:
      if (falstaff_run_get_started_at (run) > 0 && falstaff_run_get_completed_at (run) >= falstaff_run_get_started_at (run))
        return g_strdup_printf (_("Run completed in %.1f s"),
                                (falstaff_run_get_completed_at (run) - falstaff_run_get_started_at (run)) / (double) G_USEC_PER_SEC);
      return g_strdup (_("Run completed"));
    case FAL_JOB_CANCELLED:
      return g_strdup (_("Run cancelled"));
    case FAL_JOB_FAILED:
      message = falstaff_run_get_error_message (run);
      return message ? g_strdup_printf (_("Run failed: %s"), message) : g_strdup (_("Run failed"));
    case FAL_JOB_SUBMITTING:
    default:
      return NULL;
    }
}

/* A run of this window moved: when it is done it leaves the active ones;
 * a 422 goes on the form's fields while the run is the one shown. */
/* Finished runs beyond the last KEEP_FINISHED_RUNS let go of their job,
 * log, inputs and result (on disk, loaded again when shown): 500 runs in
 * a session held ~18 KiB each. The run on show keeps them. */
#define KEEP_FINISHED_RUNS 16

static void
keep_finished (FalstaffWindow *self,
               FalstaffRun    *run)
{
  g_queue_push_tail (&self->kept_finished, g_object_ref (run));
  while (g_queue_get_length (&self->kept_finished) > KEEP_FINISHED_RUNS)
    {
      g_autoptr(FalstaffRun) oldest = g_queue_pop_head (&self->kept_finished);

      if (oldest != self->shown_run && self->store != NULL)
        falstaff_run_store_release_details (self->store, oldest);
    }
}

static void
run_status_cb (FalstaffRun    *run,
               GParamSpec     *pspec,
               FalstaffWindow *self)
{
  FalJob *job = falstaff_run_get_job (run);

  if (run == self->shown_run)
    {
      g_autofree char *news = status_announcement (run);

      if (news)
        falstaff_announce (GTK_WIDGET (self), news);
    }
  if (!falstaff_run_is_done (run))
    {
      update_running (self);
      return;
    }
  if (!g_ptr_array_remove (self->active_runs, run))
    return;
  keep_outputs (self, run);
  if (run == self->shown_run && job)
    show_field_errors (self, fal_job_get_error (job));
  notify_finished (self, run);
  update_running (self);
  keep_finished (self, run);
}

/* Follows a run's job in this window: active until it is done. */
static void
follow_run (FalstaffWindow *self,
            FalstaffRun    *run,
            FalJob         *job)
{
  falstaff_run_follow (run, job);
  g_ptr_array_add (self->active_runs, g_object_ref (run));
  g_signal_connect_object (run, "notify::status", G_CALLBACK (run_status_cb), self, 0);
  if (fal_job_is_done (job))
    run_status_cb (run, NULL, self);
}

static void start_run (FalstaffWindow *self,
                       JsonNode       *body);

typedef struct {
  FalstaffWindow *window;
  GCancellable *cancellable;
} Collect;

static void
body_collected_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Collect *collect = data;
  FalstaffWindow *self = collect->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = falstaff_form_view_collect_body_finish (FALSTAFF_FORM_VIEW (source), result, &error);

  self->pending_submits--;
  if (self->upload_wait == collect->cancellable)
    {
      g_clear_object (&self->upload_wait);
      falstaff_request_view_set_waiting_uploads (ensure_request_view (self), 0);
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Nothing was sent; the files go on uploading for the next run. */
      update_running (self);
      toast (self, _("Run cancelled before it was sent"));
    }
  else if (body == NULL)
    /* The field errors are on their rows already. */
    run_failed (self, error);
  else if (!_falstaff_window_ask_before_run (self, body, start_run))
    start_run (self, body);
  g_object_unref (collect->cancellable);
  g_object_unref (collect->window);
  g_free (collect);
}

static void
run_activated (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);
  guint uploading;
  Collect *collect;

  /* Each press is a run of its own; only a wait for files takes one. */
  if (self->upload_wait || self->form_model == NULL)
    return;

  collect = g_new0 (Collect, 1);
  collect->window = g_object_ref (self);
  collect->cancellable = g_cancellable_new ();
  /* Uploads still in flight: the run waits for them, and says so. */
  uploading = falstaff_form_view_get_n_uploading (self->form_view);
  if (uploading > 0)
    {
      g_set_object (&self->upload_wait, collect->cancellable);
      falstaff_request_view_set_waiting_uploads (ensure_request_view (self), uploading);
    }
  /* Running from the press on, until the run is sent or refused. */
  self->pending_submits++;
  update_running (self);
  falstaff_form_view_collect_body_async (self->form_view, collect->cancellable, body_collected_cb, collect);
}

typedef struct {
  FalstaffWindow *window;
  FalstaffRun *run;
  gboolean stream;
} Submit;

static void
run_deleted_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  falstaff_run_store_delete_finish (FALSTAFF_RUN_STORE (source), result, NULL);
}

/* The run's row is on disk: now it may leave. */
static void
run_written_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Submit *submit = data;
  FalstaffWindow *self = submit->window;
  FalClient *client = falstaff_session_get_client (self->session);
  JsonNode *body = falstaff_run_get_inputs (submit->run);
  const char *endpoint_id = falstaff_run_get_endpoint_id (submit->run);
  g_autoptr(GError) error = NULL;
  g_autoptr(FalJob) job = NULL;
  g_autoptr(FalstaffCallOptions) options = falstaff_settings_get_call_options (self->settings);

  self->pending_submits--;
  /* Not on disk (the history could not be written): the run still goes,
   * in memory, rather than not at all. */
  if (!falstaff_run_store_flush_finish (FALSTAFF_RUN_STORE (source), result, &error))
    g_message ("The run could not be written to the history: %s", error->message);
  g_clear_error (&error);

  if (submit->stream)
    job = (FalJob *) fal_client_stream (client, endpoint_id, body, &options->options, &error);
  else
    job = (FalJob *) fal_client_submit (client, endpoint_id, body, &options->options, &error);
  if (job == NULL)
    {
      /* Refused before it left (no key, a bad id): not a run to keep. */
      falstaff_run_store_delete_async (self->store, &submit->run, 1, NULL, run_deleted_cb, NULL);
      run_failed (self, error);
    }
  else
    {
      follow_run (self, submit->run, job);
      show_run (self, submit->run);
    }
  update_running (self);
  g_object_unref (submit->run);
  g_object_unref (submit->window);
  g_free (submit);
}

/* The run is in the history before anything is sent: a crash during the
 * submit leaves it there, marked as never confirmed. */
static void
start_run (FalstaffWindow *self,
           JsonNode       *body)
{
  Submit *submit;

  /* Runs are made once the history is read (ids come after the last). */
  if (!falstaff_run_store_is_loaded (self->store))
    {
      /* Pressed again meanwhile: the last inputs win, one run. */
      if (self->body_when_loaded == NULL)
        self->pending_submits++;
      g_clear_pointer (&self->body_when_loaded, json_node_unref);
      self->body_when_loaded = json_node_ref (body);
      update_running (self);
      return;
    }
  save_form_values (self);
  submit = g_new0 (Submit, 1);
  submit->window = g_object_ref (self);
  submit->stream = gtk_widget_get_visible (GTK_WIDGET (self->stream_toggle)) &&
                   gtk_toggle_button_get_active (self->stream_toggle);
  submit->run = falstaff_run_store_create_run (self->store, self->endpoint_id,
                                               submit->stream ? "stream" : "queue", body);
  if (_falstaff_window_get_price (self))
    falstaff_run_set_price (submit->run, _falstaff_window_get_price (self));
  self->pending_submits++;
  update_running (self);
  falstaff_run_store_flush_async (self->store, NULL, run_written_cb, submit);
  /* On a narrow window the results take the place of the form. */
  show_leaflet_child (self, self->content_leaflet, GTK_WIDGET (self->results_stack));
}

static void
copy_as_code_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  _falstaff_window_copy_as_code (FALSTAFF_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

/* A refused /stream call offers the queue: streaming off for this
 * endpoint (kept), and the same inputs run again. */
static void
run_by_queue_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  gtk_toggle_button_set_active (self->stream_toggle, FALSE);
  gtk_widget_activate_action (widget, "win.run", NULL);
}

/* ------------------------------------------------------------------ sweeps */

static void
run_variations_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  if (self->upload_wait == NULL)
    _falstaff_window_run_variations (self);
}

/* Show Sweep: the contact sheet of the shown run's sweep. */
static void
show_sweep_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  if (self->shown_run && falstaff_run_get_sweep_id (self->shown_run) != 0)
    _falstaff_window_show_sweep (self, falstaff_run_get_sweep_id (self->shown_run));
}

/* ------------------------------------------------------------------ reuse */

static void
run_again_with_inputs (FalstaffWindow *self,
                       FalstaffRun    *run)
{
  JsonNode *inputs = falstaff_run_get_inputs (run);
  const char *endpoint_id = falstaff_run_get_endpoint_id (run);

  if (inputs == NULL)
    {
      /* Opened by its request id: fal does not give the inputs back. */
      toast (self, _("This run's inputs are not known here"));
      return;
    }
  if (self->form_model && g_strcmp0 (self->endpoint_id, endpoint_id) == 0)
    {
      set_form_inputs (self, inputs);
      falstaff_form_view_refresh (self->form_view);
    }
  else
    {
      falstaff_window_select_endpoint (self, endpoint_id);
      self->pending_inputs = json_node_ref (inputs);
      self->pending_inputs_endpoint = g_strdup (endpoint_id);
    }
  /* On a narrow window the form takes the place of the results. */
  show_leaflet_child (self, self->leaflet, self->content);
  show_leaflet_child (self, self->content_leaflet, GTK_WIDGET (self->form_stack));
  toast (self, _("The form holds that run's inputs: change what you like, then Run"));
}

static void
run_again_details_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  g_autoptr(GError) error = NULL;

  if (!falstaff_run_store_load_details_finish (FALSTAFF_RUN_STORE (source), result, &error))
    {
      toast (self, error->message);
      return;
    }
  if (self->shown_run)
    run_again_with_inputs (self, self->shown_run);
}

/* Run Again: the form gets the run's inputs on its endpoint. */
static void
run_again_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  if (self->shown_run == NULL)
    return;
  if (falstaff_run_get_details_loaded (self->shown_run))
    run_again_with_inputs (self, self->shown_run);
  else
    falstaff_run_store_load_details_async (self->store, self->shown_run, NULL, run_again_details_cb,
                                           g_object_ref (self));
}

/* Use Seed: the seed the run really had (fal's answer, else what was
 * sent) into the form, to vary the rest around the same picture. */
static void
use_seed_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);
  g_autoptr(JsonNode) value = json_node_new (JSON_NODE_VALUE);
  g_autofree char *text = NULL;
  gint64 seed;

  if (self->shown_run == NULL || self->form_model == NULL ||
      (seed = falstaff_run_get_seed (self->shown_run)) < 0)
    return;
  json_node_set_int (value, seed);
  if (!fal_form_model_set_value (self->form_model, "seed", value))
    return;
  falstaff_form_view_refresh (self->form_view);
  save_form_values (self);
  {
    /* The number apart: xgettext cannot see through G_GINT64_FORMAT. */
    g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, seed);

    text = g_strdup_printf (_("Seed %s is in the form"), number);
  }
  toast (self, text);
}

/* Submit Again: a run fal never confirmed (or a stream cut off) sends its
 * inputs again, as the same run. */
static void
submit_again_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);
  FalClient *client = falstaff_session_get_client (self->session);
  g_autoptr(FalstaffRun) run = self->shown_run ? g_object_ref (self->shown_run) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(FalJob) job = NULL;
  g_autoptr(FalstaffCallOptions) options = falstaff_settings_get_call_options (self->settings);
  JsonNode *inputs;

  if (run == NULL || !falstaff_run_needs_submit_again (run) || client == NULL)
    return;
  inputs = falstaff_run_get_inputs (run);
  if (inputs == NULL)
    {
      toast (self, _("This run's inputs are not known here"));
      return;
    }
  if (g_strcmp0 (falstaff_run_get_mode (run), "stream") == 0)
    job = (FalJob *) fal_client_stream (client, falstaff_run_get_endpoint_id (run), inputs, &options->options, &error);
  else
    job = (FalJob *) fal_client_submit (client, falstaff_run_get_endpoint_id (run), inputs, &options->options, &error);
  if (job == NULL)
    {
      run_failed (self, error);
      return;
    }
  follow_run (self, run, job);
  /* The same run, now with a job: shown afresh. */
  show_run (self, NULL);
  show_run (self, run);
}

static void
runs_deleted_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  g_autoptr(GError) error = NULL;

  if (!falstaff_run_store_delete_finish (FALSTAFF_RUN_STORE (source), result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not delete from the history: %s"), error->message);
      toast (self, text);
    }
}

/* Gone from the list, the file and this window; a run still going at fal
 * goes on there. */
void
falstaff_window_delete_runs (FalstaffWindow  *self,
                             FalstaffRun    **runs,
                             guint            n_runs)
{
  g_return_if_fail (FALSTAFF_IS_WINDOW (self));

  for (guint i = 0; i < n_runs; i++)
    {
      g_signal_handlers_disconnect_by_func (runs[i], run_status_cb, self);
      g_ptr_array_remove (self->active_runs, runs[i]);
      if (runs[i] == self->shown_run)
        show_run (self, NULL);
    }
  falstaff_run_store_delete_async (self->store, runs, n_runs, NULL, runs_deleted_cb, g_object_ref (self));
  if (self->keeper)
    {
      g_autofree gint64 *ids = g_new (gint64, n_runs);

      for (guint i = 0; i < n_runs; i++)
        ids[i] = falstaff_run_get_id (runs[i]);
      falstaff_output_keeper_delete_async (self->keeper, ids, n_runs, NULL, NULL, NULL);
    }
  update_running (self);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          data)
{
  FalstaffWindow *self = g_object_get_data (G_OBJECT (dialog), "window");
  GPtrArray *runs = data;

  if (g_str_equal (response, "delete"))
    falstaff_window_delete_runs (self, (FalstaffRun **) runs->pdata, runs->len);
}

/* Asks before deleting runs (taken); Delete is the destructive answer,
 * Cancel the default. */
static void
confirm_delete (FalstaffWindow *self,
                const char     *heading,
                const char     *body,
                GPtrArray      *runs)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "window", self);
  g_signal_connect_data (dialog, "response", G_CALLBACK (delete_response_cb),
                         runs, (GClosureNotify) (void (*) (void)) g_ptr_array_unref, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
delete_run_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);
  GPtrArray *runs;
  gboolean going;

  if (self->shown_run == NULL)
    return;
  going = !falstaff_run_is_done (self->shown_run) && falstaff_run_get_job (self->shown_run) != NULL;
  runs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (runs, g_object_ref (self->shown_run));
  confirm_delete (self, _("Delete This Run?"),
                  going ? _("Its inputs, logs and outputs kept on this computer are deleted. "
                            "It is still running at fal and goes on there, unfollowed.")
                        : _("Its inputs, logs and outputs kept on this computer are deleted."),
                  runs);
}

static void
send_to_response_cb (FalstaffSendToDialog *dialog,
                     const char           *response,
                     FalstaffWindow       *self)
{
  const char *chosen = falstaff_send_to_dialog_get_chosen (dialog);
  const char *url = g_object_get_data (G_OBJECT (dialog), "url");

  if (!g_str_equal (response, "send") || chosen == NULL)
    return;
  show_leaflet_child (self, self->leaflet, self->content);
  show_leaflet_child (self, self->content_leaflet, GTK_WIDGET (self->form_stack));
  if (self->form_model && g_strcmp0 (self->endpoint_id, chosen) == 0)
    {
      if (!send_into_form (self, url))
        toast (self, _("This endpoint's form has no field for it"));
      return;
    }
  falstaff_window_select_endpoint (self, chosen);
  g_free (self->pending_send_url);
  g_free (self->pending_send_endpoint);
  self->pending_send_url = g_strdup (url);
  self->pending_send_endpoint = g_strdup (chosen);
}

/* Send to…: an output (url, kind: "image", "video", "audio") becomes the
 * input of another endpoint. */
static void
send_to_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);
  const char *url, *kind;
  gboolean current_takes_it = FALSE;
  GtkWidget *dialog;

  g_variant_get (parameter, "(&s&s)", &url, &kind);
  if (self->form_model)
    {
      g_autoptr(GPtrArray) rows = falstaff_form_view_get_file_rows (self->form_view);
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_STRING);
      g_value_set_string (&value, url);
      for (guint i = 0; i < rows->len && !current_takes_it; i++)
        current_takes_it = falstaff_file_row_accepts (g_ptr_array_index (rows, i), &value);
    }
  dialog = falstaff_send_to_dialog_new (GTK_WINDOW (self), self->catalog, kind, self->endpoint_id, current_takes_it,
                                        falstaff_session_get_mode (self->session) == FALSTAFF_SESSION_DEMO);
  g_object_set_data_full (G_OBJECT (dialog), "url", g_strdup (url), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (send_to_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Many at once: every run the History's search and filter show (say,
 * all the failed ones). */
static void
delete_shown_runs_activated (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);
  g_autoptr(GPtrArray) runs = falstaff_history_view_get_shown_runs (ensure_history_view (self));
  g_autofree char *heading = NULL;

  if (runs->len == 0)
    {
      toast (self, _("The History shows no runs to delete"));
      return;
    }
  heading = g_strdup_printf (ngettext ("Delete %u Run?", "Delete %u Runs?", runs->len), runs->len);
  confirm_delete (self, heading,
                  _("Every run the History shows now (its search and filter) is deleted, with its "
                    "inputs, logs and the outputs kept on this computer. Runs still going at fal go "
                    "on there, unfollowed."),
                  g_steal_pointer (&runs));
}

static FalstaffRun *
find_run_by_request_id (FalstaffWindow *self,
                        const char     *request_id)
{
  GListModel *runs = G_LIST_MODEL (self->store);

  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(FalstaffRun) run = g_list_model_get_item (runs, i);

      if (g_strcmp0 (falstaff_run_get_request_id (run), request_id) == 0)
        return run;
    }
  return NULL;
}

/* Follows a request made elsewhere as a run of the history; one already
 * there is shown. */
gboolean
falstaff_window_open_request (FalstaffWindow  *self,
                              const char      *endpoint_id,
                              const char      *request_id,
                              GError         **error)
{
  FalClient *client;
  FalstaffRun *known;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(FalstaffRun) run = NULL;

  g_return_val_if_fail (FALSTAFF_IS_WINDOW (self), FALSE);

  client = falstaff_session_get_client (self->session);
  if (client == NULL || !falstaff_run_store_is_loaded (self->store))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("The history is still loading"));
      return FALSE;
    }
  known = find_run_by_request_id (self, request_id);
  if (known)
    {
      show_run (self, known);
      return TRUE;
    }
  request = fal_client_attach (client, endpoint_id, request_id, error);
  if (request == NULL)
    return FALSE;
  run = falstaff_run_store_create_run (self->store, endpoint_id, "queue", NULL);
  follow_run (self, run, FAL_JOB (request));
  show_run (self, run);
  return TRUE;
}

static void
open_request_response_cb (FalstaffOpenRequestDialog *dialog,
                          const char                *response,
                          FalstaffWindow            *self)
{
  g_autofree char *endpoint_id = NULL;
  g_autofree char *request_id = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "open"))
    return;
  endpoint_id = falstaff_open_request_dialog_dup_endpoint_id (dialog);
  request_id = falstaff_open_request_dialog_dup_request_id (dialog);
  if (endpoint_id == NULL || request_id == NULL)
    return;
  if (!falstaff_window_open_request (self, endpoint_id, request_id, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not open the request: %s"), error->message);
      toast (self, text);
    }
}

static void
open_request_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);
  GtkWidget *dialog = falstaff_open_request_dialog_new (GTK_WINDOW (self), self->endpoint_id);

  /* A request already in the history is shown, not followed twice: the
   * finished runs are listed while the person types the id. */
  read_history (self);
  if (self->store)
    falstaff_run_store_complete_async (self->store, NULL, NULL, NULL);
  g_signal_connect_object (dialog, "response", G_CALLBACK (open_request_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
cancelled_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  g_autoptr(GError) error = NULL;
  FalCancelOutcome outcome;

  if (!fal_request_cancel_finish (FAL_REQUEST (source), result, &outcome, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not cancel: %s"), error->message);
      toast (self, text);
      return;
    }
  switch (outcome)
    {
    case FAL_CANCEL_LEFT_QUEUE:
      toast (self, _("Cancelled: the request left the queue"));
      break;
    case FAL_CANCEL_REQUESTED:
      toast (self, _("Cancellation requested: the model was told to stop"));
      break;
    case FAL_CANCEL_ALREADY_COMPLETED:
    default:
      toast (self, _("Too late to cancel: the request had already completed"));
      break;
    }
}

/* Cancels the run shown (or the wait for files before it). */
static void
cancel_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);
  FalJob *job = self->shown_run ? falstaff_run_get_job (self->shown_run) : NULL;

  if (self->upload_wait)
    g_cancellable_cancel (self->upload_wait);
  else if (FAL_IS_REQUEST (job) && !fal_job_is_done (job))
    fal_request_cancel_async (FAL_REQUEST (job), NULL, cancelled_cb, g_object_ref (self));
  else if (FAL_IS_STREAM (job) && !fal_job_is_done (job))
    {
      fal_stream_cancel (FAL_STREAM (job));
      toast (self, _("Stream cancelled"));
    }
}

static void
reset_form_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  if (self->form_model == NULL)
    return;
  fal_form_model_reset (self->form_model);
  falstaff_form_view_refresh (self->form_view);
  save_form_values (self);
}

static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_widget_grab_focus (falstaff_endpoint_picker_get_search_entry (self->picker));
}

/* Back: from the results to the form when they are stacked, then from
 * the form to the endpoints. */
static void
show_endpoints_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  if (adw_leaflet_get_folded (self->content_leaflet) &&
      adw_leaflet_get_visible_child (self->content_leaflet) == GTK_WIDGET (self->results_stack))
    adw_leaflet_set_visible_child (self->content_leaflet, GTK_WIDGET (self->form_stack));
  else
    adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
}

/* A form that comes within this long shows no spinner before it: the
 * restored endpoint's form comes from the schema cache 30–140 ms after
 * the first frame, which then shows the form's pane empty rather than a
 * spinner that would flash for a few frames. */
#define FORM_SPINNER_DELAY_MS 300

static gboolean
form_spinner_cb (gpointer data)
{
  FalstaffWindow *self = data;

  self->form_spinner_id = 0;
  gtk_spinner_set_spinning (self->form_spinner, TRUE);
  return G_SOURCE_REMOVE;
}

/* The spinner turns only on the loading page: a spinning spinner on a
 * page out of view still restyles itself every frame, and the window
 * would draw ~60 frames a second when nothing changes. A spinner that
 * does not turn is not drawn. */
static void
form_state_cb (FalstaffWindow *self)
{
  gboolean loading = g_strcmp0 (gtk_stack_get_visible_child_name (self->form_stack), "loading") == 0;

  if (!loading)
    {
      g_clear_handle_id (&self->form_spinner_id, g_source_remove);
      gtk_spinner_set_spinning (self->form_spinner, FALSE);
    }
  else if (!gtk_spinner_get_spinning (self->form_spinner) && self->form_spinner_id == 0)
    self->form_spinner_id = g_timeout_add (FORM_SPINNER_DELAY_MS, form_spinner_cb, self);
}

static gboolean
apply_layout (gpointer data)
{
  FalstaffWindow *self = data;
  gboolean results_stacked = adw_leaflet_get_folded (self->content_leaflet) &&
                             adw_leaflet_get_visible_child (self->content_leaflet) == GTK_WIDGET (self->results_stack);

  gtk_widget_set_visible (self->back_button, adw_leaflet_get_folded (self->leaflet) || results_stacked);
  /* Narrow, the title keeps the room: Run Variations… stays in the main
   * menu and on Shift+Ctrl+Enter, Copy as Code in the main menu. */
  gtk_widget_set_visible (self->variations_button, !adw_leaflet_get_folded (self->leaflet));
  gtk_widget_set_visible (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self), FALSTAFF_TYPE_WINDOW,
                                                                     "copy_code_button")),
                          !adw_leaflet_get_folded (self->leaflet));
  self->layout_idle_id = 0;
  return G_SOURCE_REMOVE;
}

/* A leaflet folds in the middle of its size allocation: the header's
 * buttons are shown or hidden after it, not while GTK lays out the
 * window (a widget resized then is drawn without an allocation). */
static void
layout_changed_cb (FalstaffWindow *self)
{
  if (self->layout_idle_id == 0)
    self->layout_idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, apply_layout, self, NULL);
}

/* ------------------------------------------------------------------ key and demo */

static void
enter_studio (FalstaffWindow *self)
{
  g_autofree char *last = g_settings_get_string (self->settings, "last-endpoint");

  show_page (self, "studio");
  reattach_runs (self);
  if (self->endpoint_id == NULL && last && *last &&
      (falstaff_session_get_mode (self->session) != FALSTAFF_SESSION_DEMO ||
       (falstaff_catalog_lookup (self->catalog, last) &&
        falstaff_endpoint_info_get_local (falstaff_catalog_lookup (self->catalog, last)))))
    falstaff_window_select_endpoint (self, last);
}

static void
key_set_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  g_autoptr(GError) error = NULL;

  falstaff_welcome_page_set_busy (ensure_welcome_page (self), FALSE);
  if (!falstaff_session_set_key_finish (FALSTAFF_SESSION (source), result, &error))
    {
      g_autofree char *line = error->domain == FAL_ERROR ? fal_error_describe (error) : g_strdup (error->message);
      falstaff_welcome_page_show_message (ensure_welcome_page (self), line);
      return;
    }
  falstaff_welcome_page_clear (ensure_welcome_page (self));
  enter_studio (self);
}

static void
welcome_key_entered_cb (FalstaffWindow *self,
                        const char     *key)
{
  falstaff_welcome_page_show_message (ensure_welcome_page (self), NULL);
  falstaff_welcome_page_set_busy (ensure_welcome_page (self), TRUE);
  falstaff_session_set_key_async (self->session, key, NULL, key_set_cb, g_object_ref (self));
}

static void
demo_started_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  g_autoptr(GError) error = NULL;

  falstaff_welcome_page_set_busy (ensure_welcome_page (self), FALSE);
  if (!falstaff_session_start_demo_finish (FALSTAFF_SESSION (source), result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The demo could not start: %s"), error->message);
      falstaff_welcome_page_show_message (ensure_welcome_page (self), text);
      return;
    }
  enter_studio (self);
}

static void
welcome_demo_requested_cb (FalstaffWindow *self)
{
  falstaff_welcome_page_set_busy (ensure_welcome_page (self), TRUE);
  falstaff_session_start_demo_async (self->session, NULL, demo_started_cb, g_object_ref (self));
}

static void
demo_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  welcome_demo_requested_cb (FALSTAFF_WINDOW (widget));
}

static void
replace_key_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  falstaff_welcome_page_clear (ensure_welcome_page (self));
  show_page (self, "welcome");
}

static void
key_forgotten_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  g_autoptr(GError) error = NULL;

  if (!falstaff_session_forget_key_finish (FALSTAFF_SESSION (source), result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The saved key could not be removed: %s"), error->message);
      toast (self, text);
    }
  if (falstaff_session_get_mode (self->session) == FALSTAFF_SESSION_NO_KEY)
    show_page (self, "welcome");
  else
    toast (self, _("The key comes from the environment (FAL_KEY): unset it to forget it"));
}

static void
forget_key_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (widget);

  falstaff_session_forget_key_async (self->session, NULL, key_forgotten_cb, g_object_ref (self));
}

static void
key_loaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;

  if (falstaff_session_load_key_finish (FALSTAFF_SESSION (source), result, NULL))
    enter_studio (self);
  else
    show_page (self, "welcome");
}

static void
session_notify_cb (FalstaffSession *session,
                   GParamSpec      *pspec,
                   FalstaffWindow  *self)
{
  /* The demo swaps the client: the catalog and prices are its server's. */
  if (g_strcmp0 (pspec->name, "client") == 0)
    {
      falstaff_endpoint_picker_set_client (self->picker, falstaff_session_get_client (session));
      g_cancellable_cancel (self->price_cancellable);
      g_clear_object (&self->pricing);
      if (self->form_model)
        update_price (self);
    }
  update_banners (self);
  update_actions (self);
}

/* ------------------------------------------------------------------ closing */

static gboolean
close_later_cb (gpointer data)
{
  gtk_window_close (GTK_WINDOW (data));
  return G_SOURCE_REMOVE;
}

static void
close_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   FalstaffWindow   *self)
{
  if (g_str_equal (response, "stay"))
    return;
  if (g_str_equal (response, "cancel"))
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

      for (guint i = 0; i < self->active_runs->len; i++)
        {
          FalJob *job = falstaff_run_get_job (g_ptr_array_index (self->active_runs, i));

          /* The application stays until fal has each cancel (or a
           * deadline). */
          if (FAL_IS_REQUEST (job) && FALSTAFF_IS_APPLICATION (app))
            falstaff_application_cancel_before_quit (FALSTAFF_APPLICATION (app), FAL_REQUEST (job));
          else if (FAL_IS_REQUEST (job))
            fal_request_cancel_async (FAL_REQUEST (job), NULL, NULL, NULL);
          else if (FAL_IS_STREAM (job))
            fal_stream_cancel (FAL_STREAM (job));
        }
    }
  self->close_confirmed = TRUE;
  /* After the dialog is done: closing now would pull its parent from
   * under it. */
  g_idle_add_full (G_PRIORITY_DEFAULT, close_later_cb, g_object_ref (self), g_object_unref);
}

/* Quitting while a request runs asks: cancel it, or leave it running at
 * fal (its request id stays in view). */
static gboolean
falstaff_window_close_request (GtkWindow *window)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (window);
  AdwMessageDialog *dialog;

  if (self->active_runs->len == 0 || self->close_confirmed)
    {
      save_form_values (self);
      return GTK_WINDOW_CLASS (falstaff_window_parent_class)->close_request (window);
    }

  {
    g_autoptr(GString) body = g_string_new (NULL);
    guint n = self->active_runs->len;

    /* The ids are what fetch a paid result later: they stay in view. */
    g_string_append (body, ngettext ("Cancel it, or leave it running at fal? A request left running is still "
                                     "billed; Falstaff follows it again when it starts, and its result can be "
                                     "fetched with its id:",
                                     "Cancel them, or leave them running at fal? Requests left running are still "
                                     "billed; Falstaff follows them again when it starts, and their results can "
                                     "be fetched with their ids:", n));
    for (guint i = 0; i < n; i++)
      {
        FalstaffRun *run = g_ptr_array_index (self->active_runs, i);
        const char *request_id = falstaff_run_get_request_id (run);

        if (request_id)
          g_string_append_printf (body, "\n\n%s\n(falctl result %s %s)", request_id,
                                  falstaff_run_get_endpoint_id (run), request_id);
      }
    dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window,
                                                         ngettext ("A Request Is Running", "Requests Are Running", n),
                                                         body->str));
    adw_message_dialog_set_body_use_markup (dialog, FALSE);
  }
  adw_message_dialog_add_responses (dialog,
                                    "stay", _("_Keep Working"),
                                    "leave", _("_Leave Running"),
                                    "cancel", _("_Cancel Request"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "cancel", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "stay");
  adw_message_dialog_set_close_response (dialog, "stay");
  g_signal_connect (dialog, "response", G_CALLBACK (close_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* ------------------------------------------------------------------ benchmark hook */

/* FALSTAFF_BENCH_FIRST_FRAME=1: the first frame painted while the window
 * is mapped prints "first-frame <g_get_monotonic_time () µs> <main thread
 * CPU µs>" on stderr, and the first with the studio's panes in it (the
 * frame after, after_first_frame_paint_cb ()) "studio-filled …", for
 * bench/bench-launch (CLOCK_MONOTONIC is shared by all processes). */
static gboolean
bench_wanted (void)
{
  return g_strcmp0 (g_getenv ("FALSTAFF_BENCH_FIRST_FRAME"), "1") == 0;
}

/* Prints the mark with the time and the main thread's CPU time so far
 * (a figure that other processes on the machine hardly move). */
static void
bench_mark (const char *mark)
{
  struct timespec cpu = { 0, 0 };

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &cpu);
  fprintf (stderr, "%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", mark, g_get_monotonic_time (),
           (gint64) cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000);
  fflush (stderr);
}

static void
bench_after_paint_cb (GdkFrameClock *clock,
                      GtkWidget     *widget)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  bench_mark ("first-frame");
  g_signal_handlers_disconnect_by_func (clock, bench_after_paint_cb, widget);
}

/* Connected before the window's own after-paint handler: the first
 * frame's mark comes before the panes are shown. */
static void
bench_realize_cb (GtkWidget *widget)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                           G_CALLBACK (bench_after_paint_cb), widget, 0);
}

/* ------------------------------------------------------------------ the history, after the first frame */

/* Reads the application's history (once): after the first frame
 * (after_first_frame_paint_cb), or at once when something wants the runs
 * before it. The window comes first, and a long history takes a while to
 * read. */
static void
read_history (FalstaffWindow *self)
{
  if (self->history_app == NULL || self->history_read)
    return;
  self->history_read = TRUE;
  falstaff_application_get_run_store (self->history_app);
}

/* ------------------------------------------------------------------ menus and shortcuts, after the first frame */

/* Things no first frame shows, done after it (or after a second if the
 * window is never drawn): the history is read at once, then, in an idle,
 * the shortcuts window (GtkApplication
 * built it from gtk/help-overlay.ui into every new window, ~5 ms), and the
 * popovers of the menu buttons (GTK 4.8 builds a GtkPopoverMenu as soon as
 * a button gets its model, ~3 ms for three). Until then a menu button
 * takes its model when first opened (lazy_menu_cb), and
 * win.show-help-overlay does not exist (Ctrl+? does nothing). */
#define AFTER_FIRST_FRAME_DEADLINE_MS 1000

static const char * const lazy_menu_buttons[][2] = {
  { "welcome_menu_button", "primary_menu" },
  { "main_menu_button", "primary_menu" },
  { "copy_code_button", "copy_code_menu" },
};

/* The button's model, from the template, if it has none yet. */
void
_falstaff_window_set_lazy_menu (FalstaffWindow *self,
                                GtkMenuButton  *button)
{
  for (guint i = 0; i < G_N_ELEMENTS (lazy_menu_buttons); i++)
    if ((GObject *) button == gtk_widget_get_template_child (GTK_WIDGET (self), FALSTAFF_TYPE_WINDOW,
                                                             lazy_menu_buttons[i][0]))
      {
        if (gtk_menu_button_get_menu_model (button) == NULL)
          gtk_menu_button_set_menu_model (button,
                                          G_MENU_MODEL (gtk_widget_get_template_child (GTK_WIDGET (self),
                                                                                       FALSTAFF_TYPE_WINDOW,
                                                                                       lazy_menu_buttons[i][1])));
        return;
      }
}

static void
lazy_menu_cb (GtkMenuButton *button,
              gpointer       data)
{
  _falstaff_window_set_lazy_menu (FALSTAFF_WINDOW (data), button);
}

/* The first frame of a window being shown has the studio's header bars
 * and its panes empty: the endpoint list and the form and results panes
 * (hundreds of widgets, styled and measured before anything is drawn)
 * come in the next frame, a frame's time later. The window is on screen
 * 30–40 ms sooner (docs/benchmarks.md, launch.first-frame and
 * launch.studio-filled). */
static void
hide_studio_body (FalstaffWindow *self)
{
  /* The stack, not its page: a GtkStack whose visible page is hidden
   * shows another (the History, which would list every run). */
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_stack), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->content_leaflet), FALSE);
  /* The panes' narrowest width (both are 340 px at the least) stays
   * counted: the sidebar's leaflet folds in the first frame as in the
   * next. */
  {
    int narrowest;

    gtk_widget_get_size_request (GTK_WIDGET (self->results_stack), &narrowest, NULL);
    gtk_widget_set_size_request (self->content, narrowest, -1);
  }
}

/* TRUE when the panes were hidden: they are drawn in the next frame. */
static gboolean
show_studio_body (FalstaffWindow *self)
{
  falstaff_endpoint_picker_hold (self->picker, FALSE);
  ensure_request_view (self);
  if (gtk_widget_get_visible (GTK_WIDGET (self->sidebar_stack)) && gtk_widget_get_visible (GTK_WIDGET (self->content_leaflet)))
    return FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_stack), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->content_leaflet), TRUE);
  gtk_widget_set_size_request (self->content, -1, -1);
  /* The search could not take the focus while it was hidden. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && gtk_window_get_focus (GTK_WINDOW (self)) == NULL)
    focus_start (self);
  return TRUE;
}

static gboolean
after_first_frame_cb (gpointer data)
{
  FalstaffWindow *self = data;

  g_clear_handle_id (&self->after_first_frame_id, g_source_remove);
  self->after_first_frame_done = TRUE;
  show_studio_body (self);
  read_history (self);
  for (guint i = 0; i < G_N_ELEMENTS (lazy_menu_buttons); i++)
    _falstaff_window_set_lazy_menu (self, GTK_MENU_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (self),
                                                                                         FALSTAFF_TYPE_WINDOW,
                                                                                         lazy_menu_buttons[i][0])));
  if (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (self)) == NULL)
    {
      g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/falstaff/Falstaff/falstaff-help-overlay.ui");

      gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                               GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
    }
  return G_SOURCE_REMOVE;
}

static void
after_first_frame_paint_cb (GdkFrameClock  *clock,
                            FalstaffWindow *self)
{
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  /* The first frame: the panes are drawn in the next one, and the rest
   * waits for that. */
  if (!self->drawn)
    {
      self->drawn = TRUE;
      if (show_studio_body (self))
        return;
    }
  g_signal_handlers_disconnect_by_func (clock, after_first_frame_paint_cb, self);
  /* This frame has the panes (or had them from the first). */
  if (bench_wanted ())
    bench_mark ("studio-filled");
  read_history (self);
  if (self->after_first_frame_done)
    return;
  /* Not in the frame's own handler: the frame is out first. */
  g_clear_handle_id (&self->after_first_frame_id, g_source_remove);
  self->after_first_frame_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, after_first_frame_cb, self, NULL);
}

static void
after_first_frame_realize_cb (GtkWidget *widget)
{
  if (FALSTAFF_WINDOW (widget)->drawn)
    return;
  hide_studio_body (FALSTAFF_WINDOW (widget));
  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                           G_CALLBACK (after_first_frame_paint_cb), widget, 0);
}

static void
after_first_frame_init (FalstaffWindow *self)
{
  /* copy_code_button has a popup function of its own (falstaff-window-copy.c),
   * which sets its model. */
  for (guint i = 0; i < 2; i++)
    gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (self),
                                                                                          FALSTAFF_TYPE_WINDOW,
                                                                                          lazy_menu_buttons[i][0])),
                                           lazy_menu_cb, self, NULL);
  self->after_first_frame_id = g_timeout_add (AFTER_FIRST_FRAME_DEADLINE_MS, after_first_frame_cb, self);
  g_signal_connect (self, "realize", G_CALLBACK (after_first_frame_realize_cb), NULL);
}

/* ------------------------------------------------------------------ GObject */

/* Files dropped anywhere on the studio go to the first empty file field
 * of a matching type. */
static gboolean
window_drop_cb (GtkDropTarget  *target,
                const GValue   *value,
                double          x,
                double          y,
                FalstaffWindow *self)
{
  g_autoptr(GPtrArray) rows = falstaff_form_view_get_file_rows (self->form_view);

  if (rows->len == 0)
    {
      toast (self, _("This endpoint takes no files"));
      return FALSE;
    }
  if (!falstaff_file_drop_deliver (rows, value))
    {
      toast (self, _("No file field here takes this kind of file"));
      return FALSE;
    }
  return TRUE;
}

static void
falstaff_window_constructed (GObject *object)
{
  FalstaffWindow *self = (FalstaffWindow *)object;
  g_auto(GStrv) recent = NULL;
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (falstaff_window_parent_class)->constructed (object);

  /* A window made without one (a template check) gets its own. */
  if (self->session == NULL)
    self->session = falstaff_session_new ();
  g_signal_connect_object (self->session, "notify", G_CALLBACK (session_notify_cb), self, 0);

  self->catalog = falstaff_catalog_new (&error);
  if (self->catalog == NULL)
    g_critical ("The endpoint catalog is broken: %s", error->message);
  /* The recent list first, then the client, then the built-in catalog:
   * with a client the list shows its search's results (the kept catalog,
   * read in the background) instead of the built-in entries, so the rows
   * of the built-in ones were made only to be replaced. */
  recent = g_settings_get_strv (self->settings, "recent-endpoints");
  /* Its rows are made after the first frame (show_studio_body ()). */
  falstaff_endpoint_picker_hold (self->picker, TRUE);
  falstaff_endpoint_picker_set_recent (self->picker, (const char * const *) recent);
  falstaff_endpoint_picker_set_client (self->picker, falstaff_session_get_client (self->session));
  falstaff_endpoint_picker_set_catalog (self->picker, self->catalog);

  {
    FalstaffApplication *app = self->history_app;

    /* The application's history; a window made without one (a template
     * check) keeps its own. */
    if (app)
      {
        /* Read after the first frame (read_history ()). */
        self->store = g_object_ref (falstaff_application_get_run_store_unread (app));
      }
    else
      {
        self->store = falstaff_run_store_new (NULL);
        falstaff_run_store_load_async (self->store, NULL, NULL, NULL);
      }
    if (app)
      {
        self->keeper = g_object_ref (falstaff_application_get_output_keeper (app));
      }
    g_signal_connect_swapped (self->store, "notify::loaded", G_CALLBACK (store_loaded_cb), self);
  }

  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  {
    self->drop_target = falstaff_file_drop_target_new ();
    g_signal_connect (self->drop_target, "drop", G_CALLBACK (window_drop_cb), self);
    gtk_widget_add_controller (self->content, GTK_EVENT_CONTROLLER (self->drop_target));
  }

  if (falstaff_settings_are_volatile ())
    toast (self, _("Settings will not be kept after this run: the settings schema is not installed"));

  update_actions (self);
  if (falstaff_session_get_mode (self->session) == FALSTAFF_SESSION_DEMO)
    enter_studio (self);
  else
    falstaff_session_load_key_async (self->session, NULL, key_loaded_cb, g_object_ref (self));
}

static void
falstaff_window_dispose (GObject *object)
{
  FalstaffWindow *self = (FalstaffWindow *)object;

  /* These hold the window unowned. */
  g_clear_handle_id (&self->after_first_frame_id, g_source_remove);
  g_clear_handle_id (&self->layout_idle_id, g_source_remove);
  g_clear_handle_id (&self->form_spinner_id, g_source_remove);
  g_cancellable_cancel (self->schema_cancellable);
  g_cancellable_cancel (self->price_cancellable);
  g_clear_object (&self->price_cancellable);
  g_clear_object (&self->pricing);
  if (self->form_model)
    g_signal_handlers_disconnect_by_func (self->form_model, form_value_changed_cb, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_WINDOW);
  g_clear_object (&self->schema_cancellable);
  g_clear_object (&self->upload_wait);
  g_clear_object (&self->shown_run);
  g_clear_pointer (&self->active_runs, g_ptr_array_unref);
  g_queue_clear_full (&self->kept_finished, g_object_unref);
  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  g_clear_object (&self->keeper);
  g_clear_object (&self->form_model);
  g_clear_object (&self->catalog);
  g_clear_object (&self->settings);
  g_clear_object (&self->session);
  g_clear_pointer (&self->endpoint_id, g_free);
  g_clear_pointer (&self->dismissed_key_warning, g_free);
  g_clear_pointer (&self->pending_inputs, json_node_unref);
  g_clear_pointer (&self->pending_inputs_endpoint, g_free);
  g_clear_pointer (&self->pending_send_url, g_free);
  g_clear_pointer (&self->pending_send_endpoint, g_free);

  G_OBJECT_CLASS (falstaff_window_parent_class)->dispose (object);
}

static void
falstaff_window_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_window_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  FalstaffWindow *self = FALSTAFF_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_HISTORY_APP:
      /* Only read in constructed(); the application outlives its windows. */
      self->history_app = g_value_get_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_window_class_init (FalstaffWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = falstaff_window_constructed;
  object_class->dispose = falstaff_window_dispose;
  object_class->get_property = falstaff_window_get_property;
  object_class->set_property = falstaff_window_set_property;
  window_class->close_request = falstaff_window_close_request;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, FALSTAFF_TYPE_SESSION,
                                                  G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* GtkWindow's "application" is set only after constructed(): the
   * history (store and kept outputs) comes from this one. */
  properties[PROP_HISTORY_APP] = g_param_spec_object ("history-app", NULL, NULL, FALSTAFF_TYPE_APPLICATION,
                                                      G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (FALSTAFF_TYPE_COST_LABEL);
  g_type_ensure (FALSTAFF_TYPE_ENDPOINT_PICKER);
  g_type_ensure (FALSTAFF_TYPE_FORM_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-window.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, welcome_bin);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, content);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, content_leaflet);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, picker);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, cost_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, run_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, variations_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, stream_toggle);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, demo_banner);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, key_banner);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, key_banner_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, key_banner_close);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, form_stack);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, form_spinner);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, form_error_page);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, form_view);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, run_bin);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, results_stack);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, panes_size_group);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, sheet_bin);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, compare_bin);
  /* Not in the struct: falstaff-window-copy.c looks it up. */
  gtk_widget_class_bind_template_child_full (widget_class, "copy_code_button", FALSE, 0);
  /* Not in the struct either: their models are set after the first frame. */
  gtk_widget_class_bind_template_child_full (widget_class, "welcome_menu_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "main_menu_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "primary_menu", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "copy_code_menu", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, history_bin);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWindow, sidebar_stack);
  gtk_widget_class_bind_template_callback (widget_class, endpoint_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, stream_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, layout_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, form_state_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_banner_dismissed_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_page_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.run", NULL, run_activated);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_activated);
  gtk_widget_class_install_action (widget_class, "win.run-by-queue", NULL, run_by_queue_activated);
  gtk_widget_class_install_action (widget_class, "win.reset-form", NULL, reset_form_activated);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.show-endpoints", NULL, show_endpoints_activated);
  gtk_widget_class_install_action (widget_class, "win.replace-key", NULL, replace_key_activated);
  gtk_widget_class_install_action (widget_class, "win.forget-key", NULL, forget_key_activated);
  gtk_widget_class_install_action (widget_class, "win.demo", NULL, demo_activated);
  gtk_widget_class_install_action (widget_class, "win.show-spending", NULL, show_spending_activated);
  gtk_widget_class_install_action (widget_class, "win.run-again", NULL, run_again_activated);
  gtk_widget_class_install_action (widget_class, "win.use-seed", NULL, use_seed_activated);
  gtk_widget_class_install_action (widget_class, "win.submit-again", NULL, submit_again_activated);
  gtk_widget_class_install_action (widget_class, "win.delete-run", NULL, delete_run_activated);
  gtk_widget_class_install_action (widget_class, "win.delete-shown-runs", NULL, delete_shown_runs_activated);
  gtk_widget_class_install_action (widget_class, "win.open-request", NULL, open_request_activated);
  gtk_widget_class_install_action (widget_class, "win.send-to", "(ss)", send_to_activated);
  gtk_widget_class_install_action (widget_class, "win.run-variations", NULL, run_variations_activated);
  gtk_widget_class_install_action (widget_class, "win.show-sweep", NULL, show_sweep_activated);
  gtk_widget_class_install_action (widget_class, "win.copy-as-code", "s", copy_as_code_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-request", NULL);
}

/* The key is ours even when the action is off (nothing to cancel, a run
 * going): Ctrl+Enter never means a newline here, nor Ctrl+Period the
 * emoji chooser (Ctrl+; still opens it). */
static gboolean
run_shortcut_cb (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   data)
{
  gtk_widget_activate_action (widget, data, NULL);
  return TRUE;
}

/* Ctrl+Enter runs and Ctrl+Period cancels wherever the focus is. A
 * binding would come after the focused widget, and text widgets take
 * these keys (a newline, the emoji chooser): this controller sees them
 * first. Escape stays with popovers, search and dialogs. */
static void
add_run_shortcuts (FalstaffWindow *self)
{
  static const struct { guint keyval; const char *action; } shortcuts[] = {
    { GDK_KEY_Return, "win.run" },
    { GDK_KEY_KP_Enter, "win.run" },
    { GDK_KEY_ISO_Enter, "win.run" },
    { GDK_KEY_period, "win.cancel" },
  };
  static const struct { guint keyval; const char *action; } shift_shortcuts[] = {
    { GDK_KEY_Return, "win.run-variations" },
    { GDK_KEY_KP_Enter, "win.run-variations" },
    { GDK_KEY_ISO_Enter, "win.run-variations" },
    { GDK_KEY_KP_Decimal, "win.cancel" },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_name (controller, "run-shortcuts");
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (shortcuts[i].keyval, GDK_CONTROL_MASK),
                                                            gtk_callback_action_new (run_shortcut_cb,
                                                                                     (gpointer) shortcuts[i].action,
                                                                                     NULL)));
  for (guint i = 0; i < G_N_ELEMENTS (shift_shortcuts); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (shift_shortcuts[i].keyval,
                                                                                    GDK_CONTROL_MASK | GDK_SHIFT_MASK),
                                                            gtk_callback_action_new (run_shortcut_cb,
                                                                                     (gpointer) shift_shortcuts[i].action,
                                                                                     NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
falstaff_window_init (FalstaffWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
#if DEVELOPMENT_PROFILE
  /* libadwaita's striped header bar: this is not the released build. */
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif
  self->active_runs = g_ptr_array_new_with_free_func (g_object_unref);
  add_run_shortcuts (self);
  g_signal_connect (self->demo_banner, "notify::child-revealed", G_CALLBACK (banner_revealed_cb), NULL);
  g_signal_connect (self->key_banner, "notify::child-revealed", G_CALLBACK (banner_revealed_cb), NULL);
  _falstaff_window_copy_init (self);
  g_signal_connect (self, "map", G_CALLBACK (window_map_cb), NULL);
  self->settings = falstaff_settings_new ();
  if (bench_wanted ())
    g_signal_connect (self, "realize", G_CALLBACK (bench_realize_cb), NULL);
  after_first_frame_init (self);
}

FalstaffWindow *
falstaff_window_new (FalstaffApplication *application,
                     FalstaffSession     *session)
{
  return g_object_new (FALSTAFF_TYPE_WINDOW, "application", application, "history-app", application,
                       "session", session, NULL);
}

const char *
falstaff_window_get_page (FalstaffWindow *self)
{
  return gtk_stack_get_visible_child_name (self->main_stack);
}

gboolean
falstaff_window_is_running (FalstaffWindow *self)
{
  return self->running;
}

FalRequest *
falstaff_window_get_request (FalstaffWindow *self)
{
  FalJob *job = self->shown_run ? falstaff_run_get_job (self->shown_run) : NULL;

  return FAL_IS_REQUEST (job) ? FAL_REQUEST (job) : NULL;
}

FalStream *
falstaff_window_get_stream (FalstaffWindow *self)
{
  FalJob *job = self->shown_run ? falstaff_run_get_job (self->shown_run) : NULL;

  return FAL_IS_STREAM (job) ? FAL_STREAM (job) : NULL;
}

FalstaffRun *
falstaff_window_get_shown_run (FalstaffWindow *self)
{
  return self->shown_run;
}

FalstaffEndpointPicker *_falstaff_window_get_picker (FalstaffWindow *self) { return self->picker; }
FalstaffFormView *_falstaff_window_get_form_view (FalstaffWindow *self) { return self->form_view; }
FalstaffRequestView *_falstaff_window_get_request_view (FalstaffWindow *self) { return ensure_request_view (self); }
FalstaffWelcomePage *_falstaff_window_get_welcome_page (FalstaffWindow *self) { return ensure_welcome_page (self); }
GtkToggleButton *_falstaff_window_get_stream_toggle (FalstaffWindow *self) { return self->stream_toggle; }
GtkWidget *_falstaff_window_get_run_button (FalstaffWindow *self) { return self->run_button; }
AdwWindowTitle *_falstaff_window_get_title (FalstaffWindow *self) { return self->window_title; }
GtkWidget *_falstaff_window_get_key_banner_close (FalstaffWindow *self) { return self->key_banner_close; }
gboolean _falstaff_window_get_key_banner_shown (FalstaffWindow *self) { return gtk_revealer_get_reveal_child (self->key_banner); }
GtkDropTarget *_falstaff_window_get_drop_target (FalstaffWindow *self) { return self->drop_target; }
const char *_falstaff_window_get_form_state (FalstaffWindow *self) { return gtk_stack_get_visible_child_name (self->form_stack); }

void
falstaff_window_show_run_by_id (FalstaffWindow *self,
                                gint64          id)
{
  FalstaffRun *run;

  g_return_if_fail (FALSTAFF_IS_WINDOW (self));

  run = falstaff_run_store_lookup (self->store, id);
  if (run == NULL)
    return;
  gtk_stack_set_visible_child_name (self->sidebar_stack, "history");
  show_run (self, run);
  gtk_window_present (GTK_WINDOW (self));
}

FalstaffHistoryView *_falstaff_window_get_history_view (FalstaffWindow *self) { return ensure_history_view (self); }
FalstaffRunStore *_falstaff_window_get_run_store (FalstaffWindow *self) { return self->store; }

/* For the window's role files (falstaff-window-sweep.c). */
FalClient *_falstaff_window_get_client (FalstaffWindow *self) { return falstaff_session_get_client (self->session); }
FalFormModel *_falstaff_window_get_form_model (FalstaffWindow *self) { return self->form_model; }
const char *_falstaff_window_get_endpoint_id (FalstaffWindow *self) { return self->endpoint_id; }
GSettings *_falstaff_window_get_settings (FalstaffWindow *self) { return self->settings; }

FalstaffSession *
falstaff_window_get_session (FalstaffWindow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_WINDOW (self), NULL);
  return self->session;
}
FalstaffContactSheet *_falstaff_window_get_contact_sheet (FalstaffWindow *self) { return ensure_contact_sheet (self); }
FalstaffCompareView *_falstaff_window_get_compare_view (FalstaffWindow *self) { return ensure_compare_view (self); }
void _falstaff_window_toast (FalstaffWindow *self, const char *text) { toast (self, text); }
void _falstaff_window_save_form_values (FalstaffWindow *self) { save_form_values (self); }
void _falstaff_window_run_failed (FalstaffWindow *self, const GError *error) { run_failed (self, error); }
void _falstaff_window_show_run (FalstaffWindow *self, FalstaffRun *run) { show_run (self, run); }

void
_falstaff_window_follow_run (FalstaffWindow *self,
                             FalstaffRun    *run,
                             FalJob         *job)
{
  follow_run (self, run, job);
}

void
_falstaff_window_submit_started (FalstaffWindow *self)
{
  self->pending_submits++;
  update_running (self);
}

void
_falstaff_window_submit_done (FalstaffWindow *self)
{
  self->pending_submits--;
  update_running (self);
}

const char *
_falstaff_window_get_results_page (FalstaffWindow *self)
{
  return gtk_stack_get_visible_child_name (self->results_stack);
}

void
_falstaff_window_show_results_page (FalstaffWindow *self,
                                    const char     *name)
{
  set_results_page (self, name);
  /* On a narrow window the results take the place of the form. */
  show_leaflet_child (self, self->leaflet, self->content);
  show_leaflet_child (self, self->content_leaflet, GTK_WIDGET (self->results_stack));
}
