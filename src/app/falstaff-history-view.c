/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "fal.h"

#include "falstaff-history-view.h"
#include "falstaff-list-pages.h"
#include "falstaff-tooltip.h"
#include "falstaff-output-keeper.h"
#include "falstaff-run-store.h"

/* A row's picture, in logical pixels. */
#define THUMBNAIL_SIZE 48
/* Runs the list offers at a time, and more each time it is scrolled to
 * its end (falstaff-list-pages.h). */
#define PAGE_ROWS 50

struct _FalstaffHistoryView
{
  GtkWidget parent_instance;

  GtkSearchEntry *search_entry;
  GtkDropDown *filter_dropdown;
  GtkListView *list_view;
  GtkStack *stack;
  GtkToggleButton *choose_button;
  GtkRevealer *compare_bar;
  GtkLabel *chosen_label;
  GtkWidget *compare_button;
  /* Runs ticked to compare: id → FalstaffRun. */
  GHashTable *chosen;

  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;   /* every run that matches */
  GtkSliceListModel *shown;       /* the first pages of them */
  GtkSingleSelection *selection;
  char *query;
  FalstaffOutputKeeper *keeper;   /* may be NULL: no thumbnails */
};

G_DEFINE_FINAL_TYPE (FalstaffHistoryView, falstaff_history_view, GTK_TYPE_WIDGET)

enum {
  SELECTION_CHANGED,
  COMPARE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum {
  FILTER_ALL,
  FILTER_RUNNING,
  FILTER_FAILED,
  FILTER_DONE,
} Filter;

/* ------------------------------------------------------------------ words */

static const char *
status_icon (FalJobStatus status)
{
  switch (status)
    {
    case FAL_JOB_SUBMITTING:  return "mail-send-symbolic";
    case FAL_JOB_IN_QUEUE:    return "document-open-recent-symbolic";
    case FAL_JOB_IN_PROGRESS: return "media-playback-start-symbolic";
    case FAL_JOB_COMPLETED:   return "object-select-symbolic";
    case FAL_JOB_FAILED:      return "dialog-error-symbolic";
    case FAL_JOB_CANCELLED:   return "process-stop-symbolic";
    default:                  return "image-missing-symbolic";
    }
}

static const char *
status_words (FalJobStatus status)
{
  switch (status)
    {
    case FAL_JOB_SUBMITTING:  return _("Submitting");
    case FAL_JOB_IN_QUEUE:    return _("In queue");
    case FAL_JOB_IN_PROGRESS: return _("Running");
    case FAL_JOB_COMPLETED:   return _("Completed");
    case FAL_JOB_FAILED:      return _("Failed");
    case FAL_JOB_CANCELLED:   return _("Cancelled");
    default:                  return "";
    }
}

/* "just now", "5 min ago", "3 h ago", then the date. */
static char *
age_words (gint64 created_at)
{
  gint64 seconds = (g_get_real_time () - created_at) / G_USEC_PER_SEC;
  g_autoptr(GDateTime) then = NULL;

  if (created_at <= 0)
    return g_strdup ("");
  if (seconds < 60)
    return g_strdup (_("just now"));
  if (seconds < 3600)
    return g_strdup_printf (_("%d min ago"), (int) (seconds / 60));
  if (seconds < 24 * 3600)
    return g_strdup_printf (_("%d h ago"), (int) (seconds / 3600));
  then = g_date_time_new_from_unix_local (created_at / G_USEC_PER_SEC);
  return g_date_time_format (then, "%x");
}

/* ------------------------------------------------------------------ rows */

typedef struct {
  FalstaffHistoryView *view;      /* not owned: rows go with it */
  GtkCheckButton *check;          /* to compare; shown while choosing */
  gulong check_handler;
  GtkImage *icon;
  GtkPicture *thumbnail;
  GtkInscription *title;          /* their size does not follow their text */
  GtkInscription *snippet;
  GtkLabel *age;
  char *thumbnail_url;            /* asked of the keeper for this row */
  GCancellable *cancellable;      /* of that load */
} RowParts;

static void
row_parts_free (gpointer data)
{
  RowParts *parts = data;

  g_cancellable_cancel (parts->cancellable);
  g_clear_object (&parts->cancellable);
  g_free (parts->thumbnail_url);
  g_free (parts);
}

static void
clear_thumbnail (RowParts *parts)
{
  g_cancellable_cancel (parts->cancellable);
  g_clear_object (&parts->cancellable);
  g_clear_pointer (&parts->thumbnail_url, g_free);
  gtk_picture_set_paintable (parts->thumbnail, NULL);
  gtk_widget_set_visible (GTK_WIDGET (parts->thumbnail), FALSE);
}

static void
thumbnail_loaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  g_autoptr(GtkWidget) row = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = falstaff_output_keeper_load_thumbnail_finish (FALSTAFF_OUTPUT_KEEPER (source),
                                                                               result, &error);
  RowParts *parts;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  parts = g_object_get_data (G_OBJECT (row), "parts");
  if (parts == NULL)
    return;
  if (texture == NULL)
    {
      /* A video, or a file gone: the row keeps its text. */
      g_debug ("No thumbnail: %s", error->message);
      return;
    }
  gtk_picture_set_paintable (parts->thumbnail, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (parts->thumbnail), TRUE);
}

/* Loaded only for rows in view: bind asks, unbind cancels. */
static void
update_thumbnail (GtkWidget *row,
                  RowParts  *parts,
                  GObject   *run)
{
  FalstaffOutputKeeper *keeper = parts->view->keeper;
  g_autofree char *url = NULL;
  gint64 id = 0;
  FalJobStatus status = FAL_JOB_SUBMITTING;

  if (keeper == NULL)
    return;
  g_object_get (run, "thumbnail-url", &url, "id", &id, "status", &status, NULL);
  /* Not before the run is done: its outputs are being kept meanwhile. */
  if (url == NULL || status != FAL_JOB_COMPLETED)
    {
      if (parts->thumbnail_url)
        clear_thumbnail (parts);
      return;
    }
  if (g_strcmp0 (url, parts->thumbnail_url) == 0)
    return;
  clear_thumbnail (parts);
  parts->thumbnail_url = g_steal_pointer (&url);
  parts->cancellable = g_cancellable_new ();
  falstaff_output_keeper_load_thumbnail_async (keeper, id, parts->thumbnail_url,
                                               THUMBNAIL_SIZE * gtk_widget_get_scale_factor (row),
                                               parts->cancellable, thumbnail_loaded_cb, g_object_ref (row));
}

static void
update_row (GtkWidget *row,
            GObject   *run)
{
  RowParts *parts = g_object_get_data (G_OBJECT (row), "parts");
  g_autofree char *endpoint_id = NULL;
  g_autofree char *snippet = NULL;
  g_autofree char *age = NULL;
  g_autofree char *label = NULL;
  FalJobStatus status = FAL_JOB_SUBMITTING;
  gint64 created_at = 0;

  g_object_get (run, "endpoint-id", &endpoint_id, "text-snippet", &snippet, "status", &status,
                "created-at", &created_at, NULL);
  age = age_words (created_at);
  gtk_image_set_from_icon_name (parts->icon, status_icon (status));
  /* Set at every bind: no X round trip for it (falstaff-tooltip.c). */
  falstaff_tooltip_set_text (GTK_WIDGET (parts->icon), status_words (status));
  gtk_inscription_set_text (parts->title, endpoint_id);
  /* A sweep's runs say so: they were sent together. */
  if (FALSTAFF_IS_RUN (run) && falstaff_run_get_sweep_id (FALSTAFF_RUN (run)) != 0)
    {
      g_autofree char *marked = g_strdup_printf (_("Sweep · %s"), snippet ? snippet : "");
      g_free (snippet);
      snippet = g_steal_pointer (&marked);
    }
  gtk_inscription_set_text (parts->snippet, snippet);
  gtk_widget_set_visible (GTK_WIDGET (parts->snippet), snippet && *snippet);
  gtk_label_set_text (parts->age, age);
  label = g_strdup_printf ("%s, %s, %s%s%s", endpoint_id ? endpoint_id : "", status_words (status), age,
                           snippet && *snippet ? ": " : "", snippet ? snippet : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  update_thumbnail (row, parts, run);
  /* Only finished results can be compared. */
  g_signal_handler_block (parts->check, parts->check_handler);
  gtk_check_button_set_active (parts->check, g_hash_table_contains (parts->view->chosen, run));
  g_signal_handler_unblock (parts->check, parts->check_handler);
  gtk_widget_set_sensitive (GTK_WIDGET (parts->check), status == FAL_JOB_COMPLETED);
  {
    g_autofree char *check_label = g_strdup_printf (_("Compare %s"), label);
    gtk_accessible_update_property (GTK_ACCESSIBLE (parts->check), GTK_ACCESSIBLE_PROPERTY_LABEL, check_label, -1);
  }
}

static void
run_notify_cb (GObject    *run,
               GParamSpec *pspec,
               GtkWidget  *row)
{
  update_row (row, run);
}

static void update_compare_bar (FalstaffHistoryView *self);

static void
check_toggled_cb (GtkCheckButton *check,
                  GtkWidget      *row)
{
  RowParts *parts = g_object_get_data (G_OBJECT (row), "parts");
  GObject *run = g_object_get_data (G_OBJECT (row), "run");

  if (run == NULL)
    return;
  if (gtk_check_button_get_active (check))
    g_hash_table_add (parts->view->chosen, g_object_ref (run));
  else
    g_hash_table_remove (parts->view->chosen, run);
  update_compare_bar (parts->view);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          FalstaffHistoryView      *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  RowParts *parts = g_new0 (RowParts, 1);

  gtk_widget_set_margin_start (row, 6);
  gtk_widget_set_margin_end (row, 6);
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  parts->view = self;
  parts->check = GTK_CHECK_BUTTON (gtk_check_button_new ());
  gtk_widget_set_valign (GTK_WIDGET (parts->check), GTK_ALIGN_CENTER);
  g_object_bind_property (self->choose_button, "active", parts->check, "visible", G_BINDING_SYNC_CREATE);
  parts->check_handler = g_signal_connect (parts->check, "toggled", G_CALLBACK (check_toggled_cb), row);
  parts->icon = GTK_IMAGE (gtk_image_new ());
  /* The row's label says what it is: the picture is for the eye. */
  parts->thumbnail = g_object_new (GTK_TYPE_PICTURE,
                                   "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                   "can-shrink", TRUE,
                                   "content-fit", GTK_CONTENT_FIT_COVER,
                                   "width-request", THUMBNAIL_SIZE,
                                   "height-request", THUMBNAIL_SIZE,
                                   "valign", GTK_ALIGN_CENTER,
                                   "visible", FALSE,
                                   NULL);
  gtk_widget_add_css_class (GTK_WIDGET (parts->thumbnail), "thumbnail");
  /* GtkInscriptions, not labels: a label measures its whole text, and
   * every row is measured again whenever the window's size is computed
   * (three times before a long history's first page is drawn), where an
   * inscription's size is its font's. Only the rows drawn lay out their
   * text. The row's accessible label says it all (update_row ()). */
  parts->title = g_object_new (GTK_TYPE_INSCRIPTION,
                               "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                               "text-overflow", GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_MIDDLE,
                               "nat-chars", 24, "xalign", 0.0f, NULL);
  parts->snippet = g_object_new (GTK_TYPE_INSCRIPTION,
                                 "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                 "text-overflow", GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END,
                                 "nat-chars", 32, "xalign", 0.0f, NULL);
  parts->age = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (parts->snippet), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (parts->snippet), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (parts->age), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (parts->age), "caption");
  gtk_widget_set_valign (GTK_WIDGET (parts->age), GTK_ALIGN_START);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (parts->title));
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (parts->snippet));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (parts->check));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (parts->icon));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (parts->thumbnail));
  gtk_box_append (GTK_BOX (row), texts);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (parts->age));
  g_object_set_data_full (G_OBJECT (row), "parts", parts, row_parts_free);
  gtk_list_item_set_child (list_item, row);
}

static gboolean
release_thumbnail_cb (gpointer data)
{
  GtkWidget *row = data;

  g_object_set_data (G_OBJECT (row), "release", NULL);
  if (g_object_get_data (G_OBJECT (row), "run") == NULL)
    clear_thumbnail (g_object_get_data (G_OBJECT (row), "parts"));
  return G_SOURCE_REMOVE;
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         FalstaffHistoryView      *self)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);
  GObject *run = gtk_list_item_get_item (list_item);
  gulong handler;

  g_object_set_data (G_OBJECT (row), "run", run);
  update_row (row, run);
  /* The row follows its run while it is in view. */
  handler = g_signal_connect_object (run, "notify", G_CALLBACK (run_notify_cb), row, 0);
  g_object_set_data (G_OBJECT (row), "handler", GSIZE_TO_POINTER (handler));
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           FalstaffHistoryView      *self)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);
  GObject *run = gtk_list_item_get_item (list_item);
  gulong handler = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "handler"));

  if (handler && run)
    g_signal_handler_disconnect (run, handler);
  g_object_set_data (G_OBJECT (row), "handler", NULL);
  g_object_set_data (G_OBJECT (row), "run", NULL);
  /* GtkListView unbinds and binds a row again to the same run as runs
   * come in above it: its thumbnail is let go only if it stays unbound,
   * not loaded anew each time (a new run could cost dozens of loads). */
  if (g_object_get_data (G_OBJECT (row), "release") == NULL)
    g_object_set_data (G_OBJECT (row), "release",
                       GUINT_TO_POINTER (g_idle_add_full (G_PRIORITY_LOW, release_thumbnail_cb, g_object_ref (row),
                                                          g_object_unref)));
}

/* ------------------------------------------------------------------ filter */

static gboolean
contains_folded (const char *text,
                 const char *query)
{
  g_autofree char *folded = NULL;

  if (text == NULL)
    return FALSE;
  folded = g_utf8_casefold (text, -1);
  return strstr (folded, query) != NULL;
}

static gboolean
run_visible (gpointer item,
             gpointer data)
{
  FalstaffHistoryView *self = data;
  Filter filter = gtk_drop_down_get_selected (self->filter_dropdown);
  g_autofree char *endpoint_id = NULL;
  g_autofree char *snippet = NULL;
  FalJobStatus status = FAL_JOB_SUBMITTING;

  g_object_get (item, "endpoint-id", &endpoint_id, "text-snippet", &snippet, "status", &status, NULL);
  switch (filter)
    {
    case FILTER_RUNNING:
      if (fal_job_status_is_done (status))
        return FALSE;
      break;
    case FILTER_FAILED:
      if (status != FAL_JOB_FAILED)
        return FALSE;
      break;
    case FILTER_DONE:
      if (status != FAL_JOB_COMPLETED)
        return FALSE;
      break;
    case FILTER_ALL:
    default:
      break;
    }
  if (self->query == NULL || *self->query == '\0')
    return TRUE;
  return contains_folded (endpoint_id, self->query) || contains_folded (snippet, self->query);
}

/* "No Runs" only once the history is read: not a flash of it at start. */
static void
show_list_or_empty (FalstaffHistoryView *self)
{
  GListModel *runs = gtk_filter_list_model_get_model (self->filtered);
  gboolean loading = FALSTAFF_IS_RUN_STORE (runs) && !falstaff_run_store_is_complete (FALSTAFF_RUN_STORE (runs));

  gtk_stack_set_visible_child_name (self->stack,
                                    loading || g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0
                                    ? "list" : "empty");
}

static void
edge_reached_cb (FalstaffHistoryView *self,
                 GtkPositionType      position)
{
  if (position == GTK_POS_BOTTOM)
    falstaff_list_pages_show_at_least (self->shown, gtk_slice_list_model_get_size (self->shown) + 1, PAGE_ROWS);
}

static void
refilter (FalstaffHistoryView *self)
{
  /* A new search starts at the top, with one page again. */
  gtk_slice_list_model_set_size (self->shown, PAGE_ROWS);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  show_list_or_empty (self);
}

static void
search_changed_cb (FalstaffHistoryView *self)
{
  g_free (self->query);
  self->query = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  refilter (self);
}

static void
filter_changed_cb (FalstaffHistoryView *self)
{
  refilter (self);
}

static void
selection_changed_cb (FalstaffHistoryView *self)
{
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

/* ------------------------------------------------------------------ compare */

static void
update_compare_bar (FalstaffHistoryView *self)
{
  guint n = g_hash_table_size (self->chosen);
  g_autofree char *text = NULL;

  if (n < 2)
    text = g_strdup (_("Tick two to four finished runs to compare them"));
  else if (n > 4)
    text = g_strdup_printf (_("%u runs ticked: compare at most four"), n);
  else
    text = g_strdup_printf (ngettext ("%u run to compare", "%u runs to compare", n), n);
  gtk_label_set_text (self->chosen_label, text);
  gtk_widget_set_sensitive (self->compare_button, n >= 2 && n <= 4);
}

static void
choose_toggled_cb (FalstaffHistoryView *self)
{
  gboolean choosing = gtk_toggle_button_get_active (self->choose_button);

  if (!choosing)
    g_hash_table_remove_all (self->chosen);
  gtk_revealer_set_reveal_child (self->compare_bar, choosing);
  update_compare_bar (self);
  /* Rows in view show their ticks afresh. */
  gtk_widget_queue_resize (GTK_WIDGET (self->list_view));
  if (!choosing)
    {
      for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); child;
           child = gtk_widget_get_next_sibling (child))
        {
          GtkWidget *row = gtk_widget_get_first_child (child);
          RowParts *parts = row ? g_object_get_data (G_OBJECT (row), "parts") : NULL;

          if (parts)
            {
              g_signal_handler_block (parts->check, parts->check_handler);
              gtk_check_button_set_active (parts->check, FALSE);
              g_signal_handler_unblock (parts->check, parts->check_handler);
            }
        }
    }
}

static void
compare_clicked_cb (FalstaffHistoryView *self)
{
  g_signal_emit (self, signals[COMPARE], 0);
}

static void
items_changed_cb (FalstaffHistoryView *self)
{
  show_list_or_empty (self);
}

static void
first_map_cb (FalstaffHistoryView *self)
{
  guint selected = gtk_single_selection_get_selected (self->selection);

  g_signal_handlers_disconnect_by_func (self, first_map_cb, NULL);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  /* A run selected while the list was hidden comes into view. */
  if (selected != GTK_INVALID_LIST_POSITION)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", selected);
}

/* ------------------------------------------------------------------ GObject */

static void
falstaff_history_view_dispose (GObject *object)
{
  FalstaffHistoryView *self = (FalstaffHistoryView *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_HISTORY_VIEW);
  /* The template's unbound box goes here. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->selection);
  g_clear_pointer (&self->chosen, g_hash_table_unref);
  g_clear_pointer (&self->query, g_free);
  g_clear_object (&self->keeper);

  G_OBJECT_CLASS (falstaff_history_view_parent_class)->dispose (object);
}

static void
falstaff_history_view_class_init (FalstaffHistoryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_history_view_dispose;

  signals[SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[COMPARE] = g_signal_new ("compare", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-history-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffHistoryView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, FalstaffHistoryView, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FalstaffHistoryView, list_view);
  gtk_widget_class_bind_template_child (widget_class, FalstaffHistoryView, stack);
  gtk_widget_class_bind_template_child (widget_class, FalstaffHistoryView, choose_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffHistoryView, compare_bar);
  gtk_widget_class_bind_template_child (widget_class, FalstaffHistoryView, chosen_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffHistoryView, compare_button);
  gtk_widget_class_bind_template_callback (widget_class, choose_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, compare_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, edge_reached_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "falstaff-history-view");
}

static void
falstaff_history_view_init (FalstaffHistoryView *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  self->chosen = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);

  self->filter = gtk_custom_filter_new (run_visible, self, NULL);
  self->filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
  self->shown = gtk_slice_list_model_new (G_LIST_MODEL (self->filtered), 0, PAGE_ROWS);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->shown));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self);
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (items_changed_cb), self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  /* The list gets its model when first shown: a hidden History page
   * makes no row widgets at start (about 200 of them, bound, for a long
   * history). Search, filter and selection work on the models before. */
  g_signal_connect (self, "map", G_CALLBACK (first_map_cb), NULL);
}

void
falstaff_history_view_set_runs (FalstaffHistoryView *self,
                                GListModel          *runs)
{
  g_return_if_fail (FALSTAFF_IS_HISTORY_VIEW (self));

  gtk_filter_list_model_set_model (self->filtered, runs);
  if (FALSTAFF_IS_RUN_STORE (runs))
    g_signal_connect_object (runs, "notify::complete", G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);
  items_changed_cb (self);
}

GObject *
falstaff_history_view_get_selected (FalstaffHistoryView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_HISTORY_VIEW (self), NULL);
  return gtk_single_selection_get_selected_item (self->selection);
}

void
falstaff_history_view_select (FalstaffHistoryView *self,
                              GObject             *run)
{
  guint n;

  g_return_if_fail (FALSTAFF_IS_HISTORY_VIEW (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);

      if (item == run)
        {
          falstaff_list_pages_show_at_least (self->shown, i + 1, PAGE_ROWS);
          gtk_single_selection_set_selected (self->selection, i);
          /* The row comes into view (GTK 4.8: the list's own action). */
          gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
          return;
        }
    }
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

GtkWidget *
falstaff_history_view_get_search_entry (FalstaffHistoryView *self)
{
  return GTK_WIDGET (self->search_entry);
}

void
falstaff_history_view_set_filter (FalstaffHistoryView *self,
                                  const char          *filter)
{
  static const char *names[] = { "all", "running", "failed", "done" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (filter, names[i]) == 0)
      gtk_drop_down_set_selected (self->filter_dropdown, i);
}

GPtrArray *
falstaff_history_view_get_shown_runs (FalstaffHistoryView *self)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *shown;

  g_return_val_if_fail (FALSTAFF_IS_HISTORY_VIEW (self), runs);
  shown = self->filtered ? G_LIST_MODEL (self->filtered) : NULL;
  for (guint i = 0; shown && i < g_list_model_get_n_items (shown); i++)
    g_ptr_array_add (runs, g_list_model_get_item (shown, i));
  return runs;
}

guint
falstaff_history_view_get_n_shown (FalstaffHistoryView *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
}

void
falstaff_history_view_set_output_keeper (FalstaffHistoryView  *self,
                                         FalstaffOutputKeeper *keeper)
{
  g_return_if_fail (FALSTAFF_IS_HISTORY_VIEW (self));
  g_return_if_fail (keeper == NULL || FALSTAFF_IS_OUTPUT_KEEPER (keeper));

  if (!g_set_object (&self->keeper, keeper))
    return;
  /* The rows in view are bound again, now with (or without) pictures;
   * a list not shown yet has none. */
  if (gtk_list_view_get_model (self->list_view) == NULL)
    return;
  gtk_list_view_set_model (self->list_view, NULL);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
}

FalstaffOutputKeeper *
falstaff_history_view_get_output_keeper (FalstaffHistoryView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_HISTORY_VIEW (self), NULL);
  return self->keeper;
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  gint64 id_a = falstaff_run_get_id (*(FalstaffRun **) a);
  gint64 id_b = falstaff_run_get_id (*(FalstaffRun **) b);

  return id_a < id_b ? -1 : id_a > id_b;
}

GPtrArray *
falstaff_history_view_get_chosen_runs (FalstaffHistoryView *self)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer run;

  g_return_val_if_fail (FALSTAFF_IS_HISTORY_VIEW (self), runs);

  g_hash_table_iter_init (&iter, self->chosen);
  while (g_hash_table_iter_next (&iter, &run, NULL))
    g_ptr_array_add (runs, g_object_ref (run));
  /* Oldest first: the earlier run is "before". */
  g_ptr_array_sort (runs, compare_ids);
  return runs;
}

void
falstaff_history_view_set_choosing (FalstaffHistoryView *self,
                                    gboolean             choosing)
{
  g_return_if_fail (FALSTAFF_IS_HISTORY_VIEW (self));
  gtk_toggle_button_set_active (self->choose_button, choosing);
}

GtkWidget *
falstaff_history_view_get_choose_button (FalstaffHistoryView *self)
{
  return GTK_WIDGET (self->choose_button);
}

GtkWidget *
falstaff_history_view_get_compare_button (FalstaffHistoryView *self)
{
  return self->compare_button;
}

GtkWidget *
falstaff_history_view_get_check_for (FalstaffHistoryView *self,
                                     GObject             *run)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);
      RowParts *parts = row ? g_object_get_data (G_OBJECT (row), "parts") : NULL;

      if (parts && g_object_get_data (G_OBJECT (row), "run") == run)
        return GTK_WIDGET (parts->check);
    }
  return NULL;
}
