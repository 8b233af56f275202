/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "falstaff-display-name.h"
#include "falstaff-file-row.h"
#include "falstaff-form-view-private.h"

/* The width the form asks for, whatever its rows hold. Its column keeps
 * one width while errors come and go and descriptions wrap to it; the
 * rows' own minimum still applies. */
#define NATURAL_WIDTH 480

G_DEFINE_FINAL_TYPE (FalstaffFormView, falstaff_form_view, GTK_TYPE_WIDGET)

static void
field_row_free (gpointer data)
{
  FieldRow *row = data;

  if (row->row && FALSTAFF_IS_FILE_ROW (row->row))
    g_signal_handlers_disconnect_by_data (row->row, row);
  g_clear_object (&row->field);
  g_free (row->title);
  g_free (row->error);
  g_free (row);
}

void
_falstaff_form_view_row_clear_error (FieldRow *row)
{
  g_clear_pointer (&row->error, g_free);
  if (row->error_label)
    {
      gtk_label_set_text (row->error_label, "");
      gtk_widget_set_visible (GTK_WIDGET (row->error_label), FALSE);
    }
  if (row->row)
    gtk_widget_remove_css_class (row->row, "error");
}

void
_falstaff_form_view_row_set_value (FieldRow *row,
                                   JsonNode *value)
{
  if (row->updating)
    return;
  fal_form_model_set_value (row->view->model, fal_form_field_get_name (row->field), value);
  /* A changed value answers its error. */
  _falstaff_form_view_row_clear_error (row);
}

/* A file row says itself what is wrong (a refused file, a 422) and
 * clears it when its files change: the view follows. */
static void
file_row_message_cb (FalstaffFileRow *file_row,
                     GParamSpec      *pspec,
                     FieldRow        *row)
{
  g_free (row->error);
  row->error = g_strdup (falstaff_file_row_get_message (file_row));
}

static GtkWidget *
file_row (FalstaffFormView *self,
          FieldRow         *row)
{
  GtkWidget *widget = falstaff_file_row_new (row->field, self->model, self->client);

  row->row = widget;
  row->control = widget;
  g_signal_connect (widget, "notify::message", G_CALLBACK (file_row_message_cb), row);
  return widget;
}

static GtkWidget *
build_row (FalstaffFormView *self,
           FalFormField     *field)
{
  FieldRow *row = g_new0 (FieldRow, 1);
  GtkWidget *widget;

  row->view = self;
  row->field = g_object_ref (field);
  row->title = falstaff_display_name_for_title (fal_form_field_get_title (field));
  g_hash_table_replace (self->rows, (gpointer) fal_form_field_get_name (field), row);

  switch (fal_form_field_get_kind (field))
    {
    case FAL_FIELD_LONG_TEXT:
      widget = _falstaff_form_view_text_area_row (row, FALSE);
      break;
    case FAL_FIELD_INTEGER:
    case FAL_FIELD_NUMBER:
      widget = _falstaff_form_view_number_row (row);
      break;
    case FAL_FIELD_BOOLEAN:
      widget = _falstaff_form_view_switch_row (row);
      break;
    case FAL_FIELD_ENUM:
      widget = _falstaff_form_view_enum_row (row);
      break;
    case FAL_FIELD_IMAGE_SIZE:
      widget = _falstaff_form_view_image_size_row (row);
      break;
    case FAL_FIELD_SEED:
      widget = _falstaff_form_view_seed_row (row);
      break;
    case FAL_FIELD_FILE:
    case FAL_FIELD_FILE_LIST:
      /* Drop, paste or choose files; they upload at once. */
      if (self->client)
        widget = file_row (self, row);
      else if (fal_form_field_get_kind (field) == FAL_FIELD_FILE)
        widget = _falstaff_form_view_entry_row (row);
      else
        widget = _falstaff_form_view_text_area_row (row, TRUE);
      break;
    case FAL_FIELD_OBJECT_LIST:
    case FAL_FIELD_JSON:
      widget = _falstaff_form_view_text_area_row (row, TRUE);
      break;
    case FAL_FIELD_SHORT_TEXT:
    default:
      widget = _falstaff_form_view_entry_row (row);
      break;
    }
  gtk_widget_add_css_class (widget, "falstaff-field");
  return widget;
}

/* ------------------------------------------------------------------ view */

static gboolean focus_within (FalstaffFormView *self);

static void
clear_rows (FalstaffFormView *self)
{
  GtkWidget *child;

  /* The focus leaves rows that are about to go: with the focused row
   * destroyed, GTK 4.8's next layout criticizes (gtk_widget_is_ancestor
   * on a widget that is gone). Where the focus goes next is the
   * window's to say. */
  if (focus_within (self))
    gtk_root_set_focus (gtk_widget_get_root (GTK_WIDGET (self)), NULL);

  /* The rows' records first: they disconnect from widgets still alive. */
  g_hash_table_remove_all (self->rows);
  self->expander = NULL;
  while ((child = gtk_widget_get_first_child (self->box)))
    gtk_box_remove (GTK_BOX (self->box), child);
}

static GtkWidget *
boxed_list (void)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  /* A list of rows, not a stop of its own: Tab goes into its controls. */
  gtk_widget_set_focusable (list, FALSE);
  return list;
}

/* Inside an AdwExpanderRow: lists (of the header, of the rows) that are
 * no stops of their own, and the header row, which is the one stop. */
static void
name_expander_parts (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_BOX (child))
        gtk_widget_set_focusable (child, FALSE);
      else if (GTK_IS_LIST_BOX_ROW (child))
        {
          gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Advanced"), -1);
          continue;
        }
      name_expander_parts (child);
    }
}

static GtkWidget *
find_revealer (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = GTK_IS_REVEALER (child) ? child : find_revealer (child);

      if (found)
        return found;
    }
  return NULL;
}

static void
advanced_expanded_cb (GtkWidget *expander)
{
  GtkWidget *revealer = find_revealer (expander);

  if (!adw_expander_row_get_expanded (ADW_EXPANDER_ROW (expander)))
    return;
  g_signal_handlers_disconnect_by_func (expander, advanced_expanded_cb, NULL);
  if (revealer && gtk_revealer_get_child (GTK_REVEALER (revealer)))
    gtk_widget_set_visible (gtk_revealer_get_child (GTK_REVEALER (revealer)), TRUE);
}

/* GTK 4.8's revealer measures its child even when folded: the advanced
 * rows (most of a big form, with wrapping labels) were most of the
 * window's first layout. Their list stays hidden until first unfolded. */
static void
fold_advanced_rows (GtkWidget *expander)
{
  GtkWidget *revealer = find_revealer (expander);
  GtkWidget *rows = revealer ? gtk_revealer_get_child (GTK_REVEALER (revealer)) : NULL;

  if (rows == NULL || adw_expander_row_get_expanded (ADW_EXPANDER_ROW (expander)))
    return;
  gtk_widget_set_visible (rows, FALSE);
  g_signal_connect (expander, "notify::expanded", G_CALLBACK (advanced_expanded_cb), NULL);
}

static GtkWidget *
advanced_expander (FalstaffFormView *self)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *list = boxed_list ();
  GtkWidget *expander = adw_expander_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Advanced"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), _("Options most runs leave as they are"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (expander), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Advanced"), -1);
  /* The expander is one Tab stop: its header row, which has its name. */
  gtk_widget_set_focusable (expander, FALSE);
  name_expander_parts (expander);
  gtk_list_box_append (GTK_LIST_BOX (list), expander);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);
  gtk_box_append (GTK_BOX (self->box), group);
  self->expander = expander;
  return expander;
}

static void
build (FalstaffFormView *self)
{
  GtkWidget *basic;
  GtkWidget *basic_list;
  guint n;

  clear_rows (self);
  if (self->model == NULL)
    return;

  /* Made only now: with no model they were never added, and a widget no
   * parent took (still floating) is never freed. */
  basic = adw_preferences_group_new ();
  basic_list = boxed_list ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (basic), _("Inputs"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (basic), basic_list);
  gtk_box_append (GTK_BOX (self->box), basic);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (self->model), i);
      GtkWidget *row = build_row (self, field);

      if (fal_form_field_get_advanced (field) && !fal_form_field_get_required (field))
        adw_expander_row_add_row (ADW_EXPANDER_ROW (self->expander ? self->expander : advanced_expander (self)), row);
      else
        gtk_list_box_append (GTK_LIST_BOX (basic_list), row);
    }
  if (self->expander)
    fold_advanced_rows (self->expander);
}

static void
falstaff_form_view_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  FalstaffFormView *self = FALSTAFF_FORM_VIEW (widget);

  gtk_widget_measure (self->box, orientation, for_size, minimum, natural, minimum_baseline, natural_baseline);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *natural = MAX (*minimum, NATURAL_WIDTH);
}

static void
falstaff_form_view_size_allocate (GtkWidget *widget,
                                  int        width,
                                  int        height,
                                  int        baseline)
{
  FalstaffFormView *self = FALSTAFF_FORM_VIEW (widget);

  gtk_widget_allocate (self->box, width, height, baseline, NULL);
}

static GtkSizeRequestMode
falstaff_form_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
falstaff_form_view_dispose (GObject *object)
{
  FalstaffFormView *self = (FalstaffFormView *)object;

  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->model);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (falstaff_form_view_parent_class)->dispose (object);
}

static void
falstaff_form_view_class_init (FalstaffFormViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_form_view_dispose;
  widget_class->measure = falstaff_form_view_measure;
  widget_class->size_allocate = falstaff_form_view_size_allocate;
  widget_class->get_request_mode = falstaff_form_view_get_request_mode;
}

static void
falstaff_form_view_init (FalstaffFormView *self)
{
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, field_row_free);
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
}

void
falstaff_form_view_set_model (FalstaffFormView *self,
                              FalFormModel     *model)
{
  g_return_if_fail (FALSTAFF_IS_FORM_VIEW (self));

  if (self->model == model)
    return;
  clear_rows (self);
  g_set_object (&self->model, model);
  build (self);
}

void
falstaff_form_view_set_client (FalstaffFormView *self,
                               FalClient        *client)
{
  g_return_if_fail (FALSTAFF_IS_FORM_VIEW (self));
  g_set_object (&self->client, client);
}

GPtrArray *
falstaff_form_view_get_file_rows (FalstaffFormView *self)
{
  GPtrArray *rows = g_ptr_array_new ();
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (self->model), i);
      FieldRow *row = g_hash_table_lookup (self->rows, fal_form_field_get_name (field));

      if (row && FALSTAFF_IS_FILE_ROW (row->row))
        g_ptr_array_add (rows, row->row);
    }
  return rows;
}

guint
falstaff_form_view_get_n_uploading (FalstaffFormView *self)
{
  g_autoptr(GPtrArray) rows = NULL;
  guint n = 0;

  g_return_val_if_fail (FALSTAFF_IS_FORM_VIEW (self), 0);
  rows = falstaff_form_view_get_file_rows (self);
  for (guint i = 0; i < rows->len; i++)
    if (falstaff_file_row_get_busy (g_ptr_array_index (rows, i)))
      n++;
  return n;
}

typedef struct {
  FalFormModel *model;
  guint pending;
  GError *error;
} Collect;

static void
collect_free (gpointer data)
{
  Collect *collect = data;

  g_clear_object (&collect->model);
  g_clear_error (&collect->error);
  g_free (collect);
}

/* Every file is in: the body, from the model the rows wrote into. */
static void
collect_done (GTask *task)
{
  FalstaffFormView *self = g_task_get_source_object (task);
  Collect *collect = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  JsonNode *body;

  if (collect->error)
    {
      g_task_return_error (task, g_steal_pointer (&collect->error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  /* The model may have changed meanwhile (another endpoint picked). */
  if (collect->model != self->model)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The form changed"));
      return;
    }
  falstaff_form_view_show_errors (self, NULL);
  body = fal_form_model_build_body (self->model, &error);
  if (body == NULL)
    {
      JsonArray *fields = fal_error_get_field_errors (error);

      if (fields)
        falstaff_form_view_show_errors (self, fields);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, body, (GDestroyNotify) json_node_unref);
}

static void
file_row_waited_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GTask) task = data;
  Collect *collect = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!falstaff_file_row_wait_finish (FALSTAFF_FILE_ROW (source), result, &error) && collect->error == NULL)
    collect->error = g_steal_pointer (&error);
  if (--collect->pending == 0)
    collect_done (task);
}

static gboolean
collect_idle_cb (gpointer data)
{
  collect_done (data);
  return G_SOURCE_REMOVE;
}

void
falstaff_form_view_collect_body_async (FalstaffFormView    *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  Collect *collect;

  g_return_if_fail (FALSTAFF_IS_FORM_VIEW (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_form_view_collect_body_async);
  collect = g_new0 (Collect, 1);
  collect->model = self->model ? g_object_ref (self->model) : NULL;
  g_task_set_task_data (task, collect, collect_free);
  if (self->model == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("No form yet"));
      return;
    }

  rows = falstaff_form_view_get_file_rows (self);
  for (guint i = 0; i < rows->len; i++)
    if (falstaff_file_row_get_busy (g_ptr_array_index (rows, i)))
      {
        collect->pending++;
        falstaff_file_row_wait_async (g_ptr_array_index (rows, i), cancellable, file_row_waited_cb,
                                      g_object_ref (task));
      }
  if (collect->pending == 0)
    g_idle_add_full (G_PRIORITY_DEFAULT, collect_idle_cb, g_steal_pointer (&task), g_object_unref);
}

JsonNode *
falstaff_form_view_collect_body_finish (FalstaffFormView  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

FalFormModel *
falstaff_form_view_get_model (FalstaffFormView *self)
{
  return self->model;
}

void
falstaff_form_view_refresh (FalstaffFormView *self)
{
  g_return_if_fail (FALSTAFF_IS_FORM_VIEW (self));
  build (self);
}

static void
set_row_error (FieldRow   *row,
               const char *message)
{
  if (FALSTAFF_IS_FILE_ROW (row->row))
    {
      /* row->error follows through file_row_message_cb. */
      falstaff_file_row_set_message (FALSTAFF_FILE_ROW (row->row), message);
      return;
    }
  if (message == NULL)
    {
      _falstaff_form_view_row_clear_error (row);
      return;
    }
  g_free (row->error);
  row->error = g_strdup (message);
  gtk_label_set_text (row->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (row->error_label), TRUE);
  gtk_widget_add_css_class (row->row, "error");
}

/* Whether the keyboard focus is in the form now: someone typing there
 * keeps their place when errors come. */
static gboolean
focus_within (FalstaffFormView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  return focus && (focus == GTK_WIDGET (self) || gtk_widget_is_ancestor (focus, GTK_WIDGET (self)));
}

guint
falstaff_form_view_show_errors (FalstaffFormView *self,
                                JsonArray        *errors)
{
  GHashTableIter iter;
  gpointer value;
  guint shown = 0;
  GtkWidget *first = NULL;

  g_return_val_if_fail (FALSTAFF_IS_FORM_VIEW (self), 0);

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    set_row_error (value, NULL);

  for (guint i = 0; errors && i < json_array_get_length (errors); i++)
    {
      JsonNode *element = json_array_get_element (errors, i);
      JsonObject *error = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      JsonArray *loc = error ? fal_json_get_array (error, "loc") : NULL;
      FieldRow *row = NULL;

      /* loc is ["body", field, …]: the field is the first name after
       * "body" that is a row here. */
      for (guint j = 0; loc && j < json_array_get_length (loc) && row == NULL; j++)
        {
          JsonNode *part = json_array_get_element (loc, j);

          if (JSON_NODE_HOLDS_VALUE (part) && json_node_get_value_type (part) == G_TYPE_STRING)
            row = g_hash_table_lookup (self->rows, json_node_get_string (part));
        }
      if (row == NULL)
        continue;
      if (row->error)
        {
          g_autofree char *both = g_strdup_printf ("%s\n%s", row->error, fal_json_get_string (error, "msg"));
          set_row_error (row, both);
        }
      else
        set_row_error (row, fal_json_get_string (error, "msg"));
      /* An error under "Advanced" is not left folded away. */
      if (self->expander && gtk_widget_is_ancestor (row->row, self->expander))
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (self->expander), TRUE);
      if (first == NULL)
        first = row->control;
      shown++;
    }
  /* The first field with an error takes the focus, unless the person is
   * in the form already (typing the next prompt while a run ended). */
  if (first && !focus_within (self))
    gtk_widget_grab_focus (first);
  return shown;
}

static FieldRow *
lookup_row (FalstaffFormView *self,
            const char       *name)
{
  g_return_val_if_fail (FALSTAFF_IS_FORM_VIEW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (self->rows, name);
}

GtkWidget *
falstaff_form_view_get_row (FalstaffFormView *self,
                            const char       *name)
{
  FieldRow *row = lookup_row (self, name);

  return row ? row->control : NULL;
}

const char *
falstaff_form_view_get_row_error (FalstaffFormView *self,
                                  const char       *name)
{
  FieldRow *row = lookup_row (self, name);

  return row ? row->error : NULL;
}

GtkWidget *
falstaff_form_view_get_field_row (FalstaffFormView *self,
                                  const char       *name)
{
  FieldRow *row = lookup_row (self, name);

  return row ? row->row : NULL;
}

GtkWidget *
falstaff_form_view_get_row_label (FalstaffFormView    *self,
                                  const char          *name,
                                  FalstaffFormRowPart  part)
{
  FieldRow *row = lookup_row (self, name);

  if (row == NULL || FALSTAFF_IS_FILE_ROW (row->row))
    return NULL;
  switch (part)
    {
    case FALSTAFF_FORM_ROW_TITLE:
      return row->title_label;
    case FALSTAFF_FORM_ROW_DESCRIPTION:
      return row->description_label;
    case FALSTAFF_FORM_ROW_ERROR:
      return GTK_WIDGET (row->error_label);
    default:
      g_return_val_if_reached (NULL);
    }
}

GtkWidget *
falstaff_form_view_get_advanced_expander (FalstaffFormView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FORM_VIEW (self), NULL);
  return self->expander;
}
