/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "fal.h"

#include "falstaff-log-view.h"
#include "falstaff-output-actions.h"

struct _FalstaffLogView
{
  GtkWidget parent_instance;

  GtkSearchEntry *search_entry;
  GtkStack *stack;
  GtkScrolledWindow *scroller;
  GtkListView *list_view;
  GtkButton *copy_button;
  AdwStatusPage *empty_page;
  char *empty_text;

  GListModel *logs;
  GtkFilterListModel *filtered;
  GtkCustomFilter *filter;
  char *query;
  gboolean following;
  gboolean scrolling;
  guint scroll_idle;
};

G_DEFINE_FINAL_TYPE (FalstaffLogView, falstaff_log_view, GTK_TYPE_WIDGET)

static gboolean
filter_func (gpointer item,
             gpointer data)
{
  FalstaffLogView *self = data;
  g_autofree char *folded = NULL;

  if (self->query == NULL)
    return TRUE;
  folded = g_utf8_casefold (fal_log_entry_get_message (item), -1);
  return strstr (folded, self->query) != NULL;
}

/* "2026-11-25T12:00:01.123Z" → "12:00:01". */
static char *
short_time (const char *timestamp)
{
  const char *t = timestamp ? strchr (timestamp, 'T') : NULL;

  return t && strlen (t) >= 9 ? g_strndup (t + 1, 8) : g_strdup (timestamp ? timestamp : "");
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *time = gtk_label_new (NULL);
  GtkWidget *level = gtk_label_new (NULL);
  GtkWidget *message = gtk_label_new (NULL);

  gtk_widget_add_css_class (time, "dim-label");
  gtk_widget_add_css_class (time, "monospace");
  gtk_widget_add_css_class (level, "monospace");
  gtk_label_set_width_chars (GTK_LABEL (level), 6);
  gtk_label_set_xalign (GTK_LABEL (level), 0);
  gtk_label_set_xalign (GTK_LABEL (message), 0);
  /* One line each: wrapping makes Pango measure every line on every frame
   * while a flood arrives (40–60 ms frames). Copy gets the whole text. */
  gtk_label_set_ellipsize (GTK_LABEL (message), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (message), TRUE);
  gtk_widget_set_hexpand (message, TRUE);
  gtk_widget_add_css_class (message, "monospace");
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_box_append (GTK_BOX (box), time);
  gtk_box_append (GTK_BOX (box), level);
  gtk_box_append (GTK_BOX (box), message);
  gtk_list_item_set_child (item, box);
  gtk_list_item_set_activatable (item, FALSE);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         gpointer                  data)
{
  FalLogEntry *entry = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *time = gtk_widget_get_first_child (box);
  GtkWidget *level = gtk_widget_get_next_sibling (time);
  GtkWidget *message = gtk_widget_get_next_sibling (level);
  g_autofree char *short_timestamp = short_time (fal_log_entry_get_timestamp (entry));
  g_autofree char *level_class = g_ascii_strdown (fal_log_entry_get_level (entry), -1);
  g_autofree char *css = g_strconcat ("log-", level_class, NULL);
  const char *old_class = g_object_get_data (G_OBJECT (level), "level-class");

  gtk_label_set_text (GTK_LABEL (time), short_timestamp);
  gtk_label_set_text (GTK_LABEL (level), fal_log_entry_get_level (entry));
  gtk_label_set_text (GTK_LABEL (message), fal_log_entry_get_message (entry));
  /* Levels are CSS classes: log-info, log-warn, log-error, …; a recycled
   * row of the same level keeps its class (no restyling in a flood). */
  if (g_strcmp0 (old_class, css) == 0)
    return;
  if (old_class)
    gtk_widget_remove_css_class (level, old_class);
  gtk_widget_add_css_class (level, css);
  g_object_set_data_full (G_OBJECT (level), "level-class", g_steal_pointer (&css), g_free);
}

static gboolean
scroll_to_end_cb (gpointer data)
{
  FalstaffLogView *self = data;
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  self->scroll_idle = 0;
  self->scrolling = TRUE;
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
  self->scrolling = FALSE;
  return G_SOURCE_REMOVE;
}

/* An empty list says why it is empty. */
static void
update_empty (FalstaffLogView *self)
{
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0 &&
                   gtk_filter_list_model_get_pending (self->filtered) == 0;

  if (empty)
    adw_status_page_set_description (self->empty_page,
                                     self->query && self->logs && g_list_model_get_n_items (self->logs) > 0
                                     ? _("No line matches the filter")
                                     : self->empty_text ? self->empty_text
                                                        : _("fal's log lines for the run appear here as they come"));
  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "lines");
}

static void
items_changed_cb (GListModel      *model,
                  guint            position,
                  guint            removed,
                  guint            added,
                  FalstaffLogView *self)
{
  update_empty (self);
  if (self->following && self->scroll_idle == 0)
    self->scroll_idle = g_idle_add_full (G_PRIORITY_LOW, scroll_to_end_cb, self, NULL);
}

/* Scrolling up stops following; back at the bottom, it follows again. */
static void
value_changed_cb (GtkAdjustment   *adjustment,
                  FalstaffLogView *self)
{
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  if (self->scrolling)
    return;
  self->following = gtk_adjustment_get_value (adjustment) >= bottom - 2;
}

static void
search_changed_cb (FalstaffLogView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_clear_pointer (&self->query, g_free);
  if (text && *text)
    self->query = g_utf8_casefold (text, -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_empty (self);
}

static void
copy_clicked_cb (FalstaffLogView *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = self->logs ? g_list_model_get_n_items (self->logs) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalLogEntry) entry = g_list_model_get_item (self->logs, i);

      g_string_append_printf (text, "%s %s %s\n", fal_log_entry_get_timestamp (entry) ? fal_log_entry_get_timestamp (entry) : "",
                              fal_log_entry_get_level (entry), fal_log_entry_get_message (entry));
    }
  if (n == 0)
    {
      falstaff_output_toast (GTK_WIDGET (self), _("The log is empty: nothing to copy"));
      return;
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text->str);
  falstaff_output_toast (GTK_WIDGET (self), _("Log copied"));
}

static void
falstaff_log_view_dispose (GObject *object)
{
  FalstaffLogView *self = (FalstaffLogView *)object;

  g_clear_handle_id (&self->scroll_idle, g_source_remove);
  if (self->filtered)
    g_signal_handlers_disconnect_by_data (self->filtered, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_LOG_VIEW);
  /* The template's root child is not bound: it goes here. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->filtered);
  g_clear_object (&self->logs);
  g_clear_pointer (&self->query, g_free);
  g_clear_pointer (&self->empty_text, g_free);

  G_OBJECT_CLASS (falstaff_log_view_parent_class)->dispose (object);
}

static void
falstaff_log_view_class_init (FalstaffLogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_log_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-log-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffLogView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, FalstaffLogView, stack);
  gtk_widget_class_bind_template_child (widget_class, FalstaffLogView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, FalstaffLogView, scroller);
  gtk_widget_class_bind_template_child (widget_class, FalstaffLogView, list_view);
  gtk_widget_class_bind_template_child (widget_class, FalstaffLogView, copy_button);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_log_view_init (FalstaffLogView *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->following = TRUE;
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
  /* Filtering 100,000 lines happens in steps, not in one frame. */
  gtk_filter_list_model_set_incremental (self->filtered, TRUE);
  g_signal_connect (self->filtered, "items-changed", G_CALLBACK (items_changed_cb), self);
  /* An incremental filter that ends with no line changes no items. */
  g_signal_connect_swapped (self->filtered, "notify::pending", G_CALLBACK (update_empty), self);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  {
    g_autoptr(GtkNoSelection) selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
    gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  }
  g_signal_connect (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                    G_CALLBACK (value_changed_cb), self);
  update_empty (self);
}

void
falstaff_log_view_set_model (FalstaffLogView *self,
                             GListModel      *logs)
{
  g_return_if_fail (FALSTAFF_IS_LOG_VIEW (self));

  if (!g_set_object (&self->logs, logs))
    return;
  self->following = TRUE;
  gtk_filter_list_model_set_model (self->filtered, logs);
  update_empty (self);
}

void
falstaff_log_view_set_empty_text (FalstaffLogView *self,
                                  const char      *text)
{
  g_return_if_fail (FALSTAFF_IS_LOG_VIEW (self));

  g_free (self->empty_text);
  self->empty_text = g_strdup (text);
  update_empty (self);
}

const char *
falstaff_log_view_get_empty_text_shown (FalstaffLogView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_LOG_VIEW (self), NULL);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "empty") != 0)
    return NULL;
  return adw_status_page_get_description (self->empty_page);
}

GListModel *
falstaff_log_view_get_shown (FalstaffLogView *self)
{
  return G_LIST_MODEL (self->filtered);
}

GtkWidget *
falstaff_log_view_get_copy_button (FalstaffLogView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_LOG_VIEW (self), NULL);
  return GTK_WIDGET (self->copy_button);
}
