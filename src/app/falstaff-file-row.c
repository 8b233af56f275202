/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-display-name.h"
#include "falstaff-file-row-private.h"

G_DEFINE_FINAL_TYPE (FalstaffFileRow, falstaff_file_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  PROP_0,
  PROP_FIELD,
  PROP_MODEL,
  PROP_CLIENT,
  PROP_BUSY,
  PROP_FAILED,
  PROP_N_ITEMS,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
media_plural (FalFileMedia media)
{
  switch (media)
    {
    case FAL_FILE_MEDIA_IMAGE:
      return _("images");
    case FAL_FILE_MEDIA_AUDIO:
      return _("audio files");
    case FAL_FILE_MEDIA_VIDEO:
      return _("videos");
    case FAL_FILE_MEDIA_ANY:
    default:
      return _("files");
    }
}

/* The word for one file of the field, in accessible names ("Remove
 * image for Image URL"). */
static const char *
media_word (FalFileMedia media)
{
  switch (media)
    {
    case FAL_FILE_MEDIA_IMAGE:
      return _("image");
    case FAL_FILE_MEDIA_AUDIO:
      return _("audio file");
    case FAL_FILE_MEDIA_VIDEO:
      return _("video");
    case FAL_FILE_MEDIA_ANY:
    default:
      return _("file");
    }
}

/* ------------------------------------------------------------------ state */

gboolean
_falstaff_file_row_is_list (FalstaffFileRow *self)
{
  return fal_form_field_get_kind (self->field) == FAL_FIELD_FILE_LIST;
}

static void
item_disconnect_upload (Item *item)
{
  if (item->upload)
    g_signal_handlers_disconnect_by_data (item->upload, item);
}

static void
item_free (gpointer data)
{
  Item *item = data;

  g_cancellable_cancel (item->cancellable);
  g_clear_object (&item->cancellable);
  if (item->upload)
    {
      item_disconnect_upload (item);
      fal_upload_cancel (item->upload);
      g_clear_object (&item->upload);
    }
  g_clear_object (&item->file);
  g_clear_object (&item->texture);
  g_free (item->name);
  g_free (item->url);
  g_free (item->error);
  g_free (item);
}

static void
complete_waiters (FalstaffFileRow *self)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);
  Item *failed = NULL;

  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->items->len && failed == NULL; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      if (item->state == ITEM_FAILED)
        failed = item;
    }
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);
      GCancellable *cancellable = g_task_get_cancellable (task);

      if (cancellable)
        g_signal_handlers_disconnect_by_data (cancellable, task);
      if (failed)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", failed->error);
      else
        g_task_return_boolean (task, TRUE);
    }
}

void
_falstaff_file_row_update_state (FalstaffFileRow *self)
{
  gboolean busy = self->pending > 0;
  gboolean failed = FALSE;

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      busy |= item->state == ITEM_CHECKING || item->state == ITEM_UPLOADING;
      failed |= item->state == ITEM_FAILED;
    }
  /* Nothing to show once the template is gone (a read ending in dispose). */
  if (self->items_list)
    gtk_widget_set_visible (GTK_WIDGET (self->items_list), self->items->len > 0);
  if (failed != self->failed)
    {
      self->failed = failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILED]);
    }
  if (busy != self->busy)
    {
      self->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
  if (!self->busy && self->waiters->len > 0)
    complete_waiters (self);
}

/* The URL(s) of the items that have one, in order, into the model. */
void
_falstaff_file_row_write_value (FalstaffFileRow *self)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) urls = json_array_new ();
  JsonNode *current = fal_form_model_get_value (self->model, fal_form_field_get_name (self->field));

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      if (item->url && (item->state == ITEM_DONE || item->state == ITEM_LINK))
        json_array_add_string_element (urls, item->url);
    }
  if (json_array_get_length (urls) > 0)
    {
      if (_falstaff_file_row_is_list (self))
        {
          node = json_node_new (JSON_NODE_ARRAY);
          json_node_set_array (node, urls);
        }
      else
        {
          node = json_node_new (JSON_NODE_VALUE);
          json_node_set_string (node, json_array_get_string_element (urls, 0));
        }
    }
  if ((node == NULL && current == NULL) || (node && current && json_node_equal (node, current)))
    return;
  self->writing = TRUE;
  fal_form_model_set_value (self->model, fal_form_field_get_name (self->field), node);
  self->writing = FALSE;
}

void
_falstaff_file_row_set_message (FalstaffFileRow *self,
                                const char      *message)
{
  if (g_strcmp0 (self->message, message) == 0)
    return;
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_text (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
  if (message)
    gtk_widget_add_css_class (GTK_WIDGET (self), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "error");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

/* What a screen reader says for an item's buttons: the field and, in a
 * list, the item's place; the file's name is their description. */
static void
name_item_buttons (FalstaffFileRow *self,
                   Item            *item,
                   guint            index)
{
  const char *word = media_word (fal_form_field_get_media (self->field));
  g_autofree char *remove = NULL;
  g_autofree char *retry = NULL;

  if (_falstaff_file_row_is_list (self))
    {
      /* Translators: accessible names, e.g. "Remove image 2 for Image URLs". */
      remove = g_strdup_printf (_("Remove %s %u for %s"), word, index + 1, self->title);
      retry = g_strdup_printf (_("Retry uploading %s %u for %s"), word, index + 1, self->title);
    }
  else
    {
      /* Translators: accessible names, e.g. "Remove image for Image URL". */
      remove = g_strdup_printf (_("Remove %s for %s"), word, self->title);
      retry = g_strdup_printf (_("Retry uploading %s for %s"), word, self->title);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, item->name ? item->name : "",
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->retry_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, retry,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, item->name ? item->name : "",
                                  -1);
}

static void
renumber_items (FalstaffFileRow *self)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      name_item_buttons (self, item, i);
      /* The target first: an action name with no target yet warns. */
      gtk_actionable_set_action_target (GTK_ACTIONABLE (item->retry_button), "u", i);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (item->remove_button), "u", i);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (item->retry_button), "file-row.retry");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (item->remove_button), "file-row.remove");
    }
}

void
_falstaff_file_row_remove_item (FalstaffFileRow *self,
                                Item            *item)
{
  gtk_list_box_remove (self->items_list, item->widget);
  g_ptr_array_remove (self->items, item);
  renumber_items (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* ------------------------------------------------------------------ item lines */

void
_falstaff_file_row_item_show (Item *item)
{
  g_autofree char *detail = NULL;
  g_autofree char *size = item->size ? g_format_size (item->size) : NULL;

  switch (item->state)
    {
    case ITEM_CHECKING:
      detail = g_strdup (item->texture ? _("Saving the image…") : _("Checking…"));
      break;
    case ITEM_UPLOADING:
      {
        guint64 sent = fal_upload_get_bytes_sent (item->upload);
        guint64 total = fal_upload_get_bytes_total (item->upload);
        g_autofree char *sent_text = g_format_size (sent);
        g_autofree char *total_text = g_format_size (total ? total : item->size);

        gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (item->progress), total ? (double) sent / total : 0);
        /* Translators: upload progress, "1.2 MB of 3.4 MB". */
        detail = g_strdup_printf (_("%s of %s"), sent_text, total_text);
      }
      break;
    case ITEM_DONE:
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (item->progress), 1.0);
      detail = g_strdup_printf (_("%s · Uploaded"), size ? size : "");
      break;
    case ITEM_FAILED:
      detail = g_strdup (size ? size : "");
      break;
    case ITEM_LINK:
      {
        g_autoptr(GUri) uri = item->url ? g_uri_parse (item->url, G_URI_FLAGS_NONE, NULL) : NULL;
        const char *host = uri ? g_uri_get_host (uri) : NULL;

        detail = host ? g_strdup_printf (_("Link · %s"), host) : g_strdup (_("Link"));
      }
      break;
    default:
      g_assert_not_reached ();
    }
  gtk_label_set_text (GTK_LABEL (item->name_label), item->name);
  gtk_label_set_text (GTK_LABEL (item->detail_label), detail);
  gtk_widget_set_visible (item->progress, item->state == ITEM_UPLOADING || item->state == ITEM_CHECKING);
  if (item->state == ITEM_CHECKING)
    gtk_progress_bar_pulse (GTK_PROGRESS_BAR (item->progress));
  gtk_label_set_text (GTK_LABEL (item->error_label), item->error ? item->error : "");
  gtk_widget_set_visible (item->error_label, item->state == ITEM_FAILED && item->error != NULL);
  gtk_widget_set_visible (item->retry_button, item->state == ITEM_FAILED);
}

static GtkWidget *
item_widget (FalstaffFileRow *self,
             Item            *item)
{
  GtkWidget *line = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  g_autofree char *progress_label = g_strdup_printf (_("Uploading %s"), item->name);

  item->thumb = gtk_image_new_from_icon_name (item->state == ITEM_LINK ? "web-browser-symbolic" : "text-x-generic-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (item->thumb), THUMB_SIZE);
  gtk_widget_set_size_request (item->thumb, THUMB_SIZE, THUMB_SIZE);
  gtk_widget_set_valign (item->thumb, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), item->thumb);

  item->name_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (item->name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (item->name_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_box_append (GTK_BOX (texts), item->name_label);
  item->detail_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (item->detail_label), 0);
  gtk_widget_add_css_class (item->detail_label, "dim-label");
  gtk_widget_add_css_class (item->detail_label, "caption");
  gtk_box_append (GTK_BOX (texts), item->detail_label);
  item->progress = gtk_progress_bar_new ();
  gtk_progress_bar_set_pulse_step (GTK_PROGRESS_BAR (item->progress), 0.2);
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->progress), GTK_ACCESSIBLE_PROPERTY_LABEL, progress_label, -1);
  gtk_box_append (GTK_BOX (texts), item->progress);
  item->error_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (item->error_label), 0);
  gtk_label_set_wrap (GTK_LABEL (item->error_label), TRUE);
  gtk_widget_add_css_class (item->error_label, "error");
  gtk_widget_add_css_class (item->error_label, "caption");
  gtk_box_append (GTK_BOX (texts), item->error_label);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), texts);

  item->retry_button = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  gtk_widget_set_tooltip_text (item->retry_button, _("Retry"));
  item->remove_button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_tooltip_text (item->remove_button, _("Remove"));
  gtk_widget_set_valign (item->retry_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (item->retry_button, "flat");
  gtk_box_append (GTK_BOX (box), item->retry_button);
  gtk_widget_set_valign (item->remove_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (item->remove_button, "flat");
  gtk_box_append (GTK_BOX (box), item->remove_button);

  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (line), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (line), FALSE);
  /* Tab goes to the line's buttons, not to the line. */
  gtk_widget_set_focusable (line, FALSE);
  return line;
}

Item *
_falstaff_file_row_add_item (FalstaffFileRow *self,
                             ItemState        state,
                             const char      *name)
{
  Item *item = g_new0 (Item, 1);

  item->row = self;
  item->state = state;
  item->name = g_strdup (name);
  item->cancellable = g_cancellable_new ();
  item->widget = item_widget (self, item);
  g_ptr_array_add (self->items, item);
  gtk_list_box_append (self->items_list, item->widget);
  renumber_items (self);
  _falstaff_file_row_item_show (item);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  return item;
}

/* A single-file field keeps only the newest file that was accepted. */
void
_falstaff_file_row_keep_only (FalstaffFileRow *self,
                              Item            *kept)
{
  if (_falstaff_file_row_is_list (self))
    return;
  for (guint i = self->items->len; i > 0; i--)
    {
      Item *item = g_ptr_array_index (self->items, i - 1);

      if (item != kept)
        _falstaff_file_row_remove_item (self, item);
    }
}

/* ------------------------------------------------------------------ uploads */

static void
upload_progress_cb (FalUpload  *upload,
                    GParamSpec *pspec,
                    Item       *item)
{
  _falstaff_file_row_item_show (item);
}

static void
upload_finished_cb (FalUpload *upload,
                    Item      *item)
{
  FalstaffFileRow *self = item->row;

  switch (fal_upload_get_state (upload))
    {
    case FAL_UPLOAD_DONE:
      item->state = ITEM_DONE;
      g_free (item->url);
      item->url = g_strdup (fal_upload_get_url (upload));
      break;
    case FAL_UPLOAD_FAILED:
    case FAL_UPLOAD_CANCELLED:
      item->state = ITEM_FAILED;
      g_free (item->error);
      item->error = g_strdup_printf (_("“%s” was not uploaded: %s"), item->name,
                                     fal_upload_get_error (upload)->message);
      break;
    case FAL_UPLOAD_PENDING:
    case FAL_UPLOAD_UPLOADING:
    default:
      g_assert_not_reached ();
    }
  _falstaff_file_row_item_show (item);
  _falstaff_file_row_write_value (self);
  _falstaff_file_row_update_state (self);
}

void
_falstaff_file_row_item_upload (Item *item)
{
  FalstaffFileRow *self = item->row;

  if (item->upload)
    {
      item_disconnect_upload (item);
      g_clear_object (&item->upload);
    }
  g_clear_pointer (&item->error, g_free);
  item->state = ITEM_UPLOADING;
  item->upload = fal_client_upload (self->client, item->file, NULL);
  g_signal_connect (item->upload, "notify::bytes-sent", G_CALLBACK (upload_progress_cb), item);
  g_signal_connect (item->upload, "notify::bytes-total", G_CALLBACK (upload_progress_cb), item);
  g_signal_connect (item->upload, "finished", G_CALLBACK (upload_finished_cb), item);
  _falstaff_file_row_item_show (item);
}

/* ------------------------------------------------------------------ model value */

/* The model's value, shown as links: on construction, and when the
 * value is changed elsewhere (a reset, a restored form). */
static void
load_value (FalstaffFileRow *self)
{
  JsonNode *value = fal_form_model_get_value (self->model, fal_form_field_get_name (self->field));
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();

  while (self->items->len > 0)
    _falstaff_file_row_remove_item (self, g_ptr_array_index (self->items, self->items->len - 1));
  if (value && JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    g_ptr_array_add (urls, (gpointer) json_node_get_string (value));
  else if (value && JSON_NODE_HOLDS_ARRAY (value))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (value)); i++)
      {
        JsonNode *element = json_array_get_element (json_node_get_array (value), i);

        if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
          g_ptr_array_add (urls, (gpointer) json_node_get_string (element));
      }
  for (guint i = 0; i < urls->len; i++)
    {
      g_autofree char *name = NULL;
      Item *item;

      _falstaff_file_row_media_of_link (g_ptr_array_index (urls, i), &name);
      item = _falstaff_file_row_add_item (self, ITEM_LINK, name);
      item->url = g_strdup (g_ptr_array_index (urls, i));
      _falstaff_file_row_item_show (item);
    }
  _falstaff_file_row_update_state (self);
}

static void
value_changed_cb (FalFormModel    *model,
                  const char      *name,
                  FalstaffFileRow *self)
{
  if (!self->writing)
    load_value (self);
}

/* ------------------------------------------------------------------ item actions */

static Item *
item_at (FalstaffFileRow *self,
         GVariant        *parameter)
{
  guint index = g_variant_get_uint32 (parameter);

  return index < self->items->len ? g_ptr_array_index (self->items, index) : NULL;
}

static void
retry_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (widget);
  Item *item = item_at (self, parameter);

  if (item == NULL || item->state != ITEM_FAILED)
    return;
  /* The person is fixing what the message was about. */
  _falstaff_file_row_set_message (self, NULL);
  _falstaff_file_row_item_upload (item);
  _falstaff_file_row_update_state (self);
}

static void
remove_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (widget);
  Item *item = item_at (self, parameter);

  if (item == NULL)
    return;
  _falstaff_file_row_set_message (self, NULL);
  _falstaff_file_row_remove_item (self, item);
  _falstaff_file_row_write_value (self);
  _falstaff_file_row_update_state (self);
}

/* ------------------------------------------------------------------ object */

static void
falstaff_file_row_constructed (GObject *object)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);
  const char *description;
  g_autofree char *escaped = NULL;
  g_autofree char *title = NULL;
  g_autofree char *signal = NULL;
  g_autofree char *hint = NULL;
  FalFileMedia media;

  G_OBJECT_CLASS (falstaff_file_row_parent_class)->constructed (object);

  g_assert (FAL_IS_FORM_FIELD (self->field));
  g_assert (FAL_IS_FORM_MODEL (self->model));
  g_assert (FAL_IS_CLIENT (self->client));
  media = fal_form_field_get_media (self->field);

  self->title = falstaff_display_name_for_title (fal_form_field_get_title (self->field));
  escaped = g_markup_escape_text (self->title, -1);
  /* Required fields are marked as the form's other rows mark them. */
  title = fal_form_field_get_required (self->field)
          ? g_strdup_printf ("%s <span foreground=\"#c01c28\">*</span>", escaped)
          : g_strdup (escaped);
  gtk_label_set_markup (self->title_label, title);
  description = fal_form_field_get_description (self->field);
  if (description && *description)
    {
      gtk_label_set_text (self->description_label, description);
      gtk_widget_set_visible (GTK_WIDGET (self->description_label), TRUE);
    }
  if (_falstaff_file_row_is_list (self))
    hint = g_strdup_printf (_("Drop %s here, paste them (Ctrl+V) or choose them; they are sent in this order."),
                            media_plural (media));
  else
    hint = g_strdup_printf (_("Drop %s here, paste one (Ctrl+V) or choose one."), _falstaff_file_row_media_noun (media));
  gtk_label_set_text (self->hint_label, hint);

  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), fal_form_field_get_name (self->field));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->title, -1);
  {
    const char *what = _falstaff_file_row_is_list (self) ? media_plural (media) : media_word (media);
    /* Translators: accessible names, e.g. "Choose image for Image URL". */
    g_autofree char *choose = g_strdup_printf (_("Choose %s for %s"), what, self->title);
    /* Translators: accessible names, e.g. "Paste image for Image URL". */
    g_autofree char *paste = g_strdup_printf (_("Paste %s for %s"), what, self->title);

    gtk_accessible_update_property (GTK_ACCESSIBLE (self->choose_button), GTK_ACCESSIBLE_PROPERTY_LABEL, choose, -1);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->paste_button), GTK_ACCESSIBLE_PROPERTY_LABEL, paste, -1);
  }
  if (description)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  g_object_set_data (G_OBJECT (self), "field-name", (gpointer) fal_form_field_get_name (self->field));

  signal = g_strconcat ("value-changed::", fal_form_field_get_name (self->field), NULL);
  self->value_handler = g_signal_connect (self->model, signal, G_CALLBACK (value_changed_cb), self);
  load_value (self);
}

static void
falstaff_file_row_dispose (GObject *object)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->model && self->value_handler)
    g_clear_signal_handler (&self->value_handler, self->model);
  /* Uploads of a row that goes away stop. */
  if (self->items)
    g_ptr_array_set_size (self->items, 0);
  if (self->waiters)
    {
      g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

      for (guint i = 0; i < waiters->len; i++)
        {
          GTask *task = g_ptr_array_index (waiters, i);

          if (g_task_get_cancellable (task))
            g_signal_handlers_disconnect_by_data (g_task_get_cancellable (task), task);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The field was closed");
        }
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_FILE_ROW);
  /* The template's root child is not bound: it goes here. */
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), NULL);

  G_OBJECT_CLASS (falstaff_file_row_parent_class)->dispose (object);
}

static void
falstaff_file_row_finalize (GObject *object)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->field);
  g_clear_object (&self->model);
  g_clear_object (&self->client);
  g_free (self->title);
  g_free (self->message);

  G_OBJECT_CLASS (falstaff_file_row_parent_class)->finalize (object);
}

static void
falstaff_file_row_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);

  switch (prop_id)
    {
    case PROP_FIELD:
      g_value_set_object (value, self->field);
      break;
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_FAILED:
      g_value_set_boolean (value, self->failed);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items ? self->items->len : 0);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_file_row_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);

  switch (prop_id)
    {
    case PROP_FIELD:
      self->field = g_value_dup_object (value);
      break;
    case PROP_MODEL:
      self->model = g_value_dup_object (value);
      break;
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_MESSAGE:
      falstaff_file_row_set_message (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_file_row_class_init (FalstaffFileRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = falstaff_file_row_constructed;
  object_class->dispose = falstaff_file_row_dispose;
  object_class->finalize = falstaff_file_row_finalize;
  object_class->get_property = falstaff_file_row_get_property;
  object_class->set_property = falstaff_file_row_set_property;

  properties[PROP_FIELD] = g_param_spec_object ("field", NULL, NULL, FAL_TYPE_FORM_FIELD, construct);
  properties[PROP_MODEL] = g_param_spec_object ("model", NULL, NULL, FAL_TYPE_FORM_MODEL, construct);
  properties[PROP_CLIENT] = g_param_spec_object ("client", NULL, NULL, FAL_TYPE_CLIENT, construct);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, read_only);
  properties[PROP_FAILED] = g_param_spec_boolean ("failed", NULL, NULL, FALSE, read_only);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-file-row.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, description_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, paste_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, choose_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, items_list);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, hint_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, message_label);

  _falstaff_file_row_class_init_dnd (widget_class);
  gtk_widget_class_install_action (widget_class, "file-row.retry", "u", retry_activated);
  gtk_widget_class_install_action (widget_class, "file-row.remove", "u", remove_activated);
}

static void
falstaff_file_row_init (FalstaffFileRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "falstaff-field");
  self->cancellable = g_cancellable_new ();
  self->items = g_ptr_array_new_with_free_func (item_free);
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  _falstaff_file_row_init_dnd (self);
}

/* ------------------------------------------------------------------ public */

GtkWidget *
falstaff_file_row_new (FalFormField *field,
                       FalFormModel *model,
                       FalClient    *client)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (field), NULL);
  g_return_val_if_fail (FAL_IS_FORM_MODEL (model), NULL);
  g_return_val_if_fail (FAL_IS_CLIENT (client), NULL);
  g_return_val_if_fail (fal_form_field_get_kind (field) == FAL_FIELD_FILE ||
                        fal_form_field_get_kind (field) == FAL_FIELD_FILE_LIST, NULL);

  return g_object_new (FALSTAFF_TYPE_FILE_ROW, "field", field, "model", model, "client", client, NULL);
}

FalFormField *
falstaff_file_row_get_field (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), NULL);
  return self->field;
}

gboolean
falstaff_file_row_get_busy (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), FALSE);
  return self->busy;
}

gboolean
falstaff_file_row_get_failed (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), FALSE);
  return self->failed;
}

guint
falstaff_file_row_get_n_items (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), 0);
  return self->items->len;
}

const char *
falstaff_file_row_get_message (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), NULL);
  return self->message;
}

void
falstaff_file_row_set_message (FalstaffFileRow *self,
                               const char      *message)
{
  g_return_if_fail (FALSTAFF_IS_FILE_ROW (self));
  _falstaff_file_row_set_message (self, message);
}

static Item *
get_item (FalstaffFileRow *self,
          guint            index)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), NULL);
  g_return_val_if_fail (index < self->items->len, NULL);
  return g_ptr_array_index (self->items, index);
}

FalUpload *
falstaff_file_row_get_item_upload (FalstaffFileRow *self,
                                   guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->upload : NULL;
}

const char *
falstaff_file_row_get_item_url (FalstaffFileRow *self,
                                guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->url : NULL;
}

const char *
falstaff_file_row_get_item_error (FalstaffFileRow *self,
                                  guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->error : NULL;
}

const char *
falstaff_file_row_get_item_name (FalstaffFileRow *self,
                                 guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->name : NULL;
}

GFile *
falstaff_file_row_get_item_file (FalstaffFileRow *self,
                                 guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->file : NULL;
}

static void
waiter_cancelled_cb (GCancellable *cancellable,
                     GTask        *task)
{
  FalstaffFileRow *self = g_task_get_source_object (task);

  g_signal_handlers_disconnect_by_data (cancellable, task);
  g_object_ref (task);
  g_ptr_array_remove (self->waiters, task);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
}

void
falstaff_file_row_wait_async (FalstaffFileRow     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FALSTAFF_IS_FILE_ROW (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_file_row_wait_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (cancellable)
    g_signal_connect (cancellable, "cancelled", G_CALLBACK (waiter_cancelled_cb), task);
  g_ptr_array_add (self->waiters, g_steal_pointer (&task));
  if (!self->busy)
    complete_waiters (self);
}

gboolean
falstaff_file_row_wait_finish (FalstaffFileRow  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == falstaff_file_row_wait_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
