/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "fal.h"

#include "falstaff-endpoint-picker.h"
#include "falstaff-list-pages.h"
#include "falstaff-tooltip.h"
#include "falstaff-image-loader.h"
#include "falstaff-model-search.h"
#include "falstaff-picker-item.h"

#define THUMB_SIZE 40
#define THUMB_MEMORY 200        /* textures kept in memory */

struct _FalstaffEndpointPicker
{
  GtkWidget parent_instance;

  GtkSearchEntry *search_entry;
  GtkListView *list_view;
  GtkScrolledWindow *scroller;
  GtkListBox *custom_list;
  AdwActionRow *custom_row;
  AdwStatusPage *empty_page;
  GtkLabel *status_label;

  FalstaffCatalog *catalog;
  GPtrArray *entries;           /* FalstaffEndpointInfo: recent copies, then the catalog */
  GListStore *items;            /* FalstaffPickerItem: the visible ones, with their headers */
  GtkSliceListModel *shown;     /* the first pages of them, as rows */
  GtkSingleSelection *selection;
  guint n_matches;              /* endpoints among the items */
  gboolean local_only;
  GStrv recent;
  char *custom_id;
  char *selected_id;

  /* With a client: fal's catalog searched, the built-in list only when
   * fal cannot be reached. */
  FalstaffModelSearch *search;
  guint n_results_shown;        /* results of the search among the items */
  char *last_category;          /* of the last endpoint item, for appends */
  gboolean activate_pending;    /* Enter came before the results */
  gboolean held;                /* not listing yet (falstaff_endpoint_picker_hold) */
  gboolean refilter_pending;    /* the list changed while held */

  /* Thumbnails: fetched without a key, decoded in a worker, kept on disk
   * and the last few in memory. */
  SoupSession *thumb_session;
  char *thumb_dir;
  GHashTable *thumb_memory;     /* url -> GdkTexture */
  GQueue thumb_order;           /* urls in thumb_memory, oldest first */
};

G_DEFINE_FINAL_TYPE (FalstaffEndpointPicker, falstaff_endpoint_picker, GTK_TYPE_WIDGET)

/* Lines the list offers at a time, more as it is scrolled to its end
 * (falstaff-list-pages.h): all of a kept catalog of 121 models, with
 * their thumbnails, were ~5 MiB at start. */
#define PAGE_LINES 40

/* The first page: about what the list shows at once (~40 px a line at
 * the least), not a whole page. GTK 4.8's list view makes a row for every
 * line it is given, in view or not, and each is ~20 widgets: 40 of them
 * were half the studio's second frame. Scrolling down brings the rest. */
static guint
first_page_lines (FalstaffEndpointPicker *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int width;

  /* GTK 4.8 wants both. */
  if (height <= 0 && GTK_IS_WINDOW (root))
    gtk_window_get_default_size (GTK_WINDOW (root), &width, &height);
  if (height <= 0)
    return PAGE_LINES;
  return CLAMP (height / 40 + 2, 12, PAGE_LINES);
}

/* Selects the line at position of the items, showing enough pages. */
static void
select_position (FalstaffEndpointPicker *self,
                 guint                   position)
{
  if (position != GTK_INVALID_LIST_POSITION)
    falstaff_list_pages_show_at_least (self->shown, position + 1, PAGE_LINES);
  gtk_single_selection_set_selected (self->selection, position);
}

enum {
  ENDPOINT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
is_visible (FalstaffEndpointPicker *self,
            FalstaffEndpointInfo   *info,
            const char             *query)
{
  if (self->local_only && !falstaff_endpoint_info_get_local (info))
    return FALSE;
  return falstaff_endpoint_info_matches (info, query);
}

static guint
find_endpoint (FalstaffEndpointPicker *self,
               const char             *endpoint_id)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; endpoint_id && i < n_items; i++)
    {
      g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (!falstaff_picker_item_is_header (item) &&
          g_strcmp0 (falstaff_picker_item_get_title (item), endpoint_id) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
update_custom_row (FalstaffEndpointPicker *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(FalEndpointId) id = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  gboolean empty;

  g_clear_pointer (&self->custom_id, g_free);
  if (strchr (stripped, '/') != NULL && (id = fal_endpoint_id_parse (stripped, NULL)) != NULL &&
      falstaff_endpoint_picker_lookup (self, fal_endpoint_id_get_full (id)) == NULL)
    self->custom_id = g_strdup (fal_endpoint_id_get_full (id));

  gtk_widget_set_visible (GTK_WIDGET (self->custom_list), self->custom_id != NULL);
  if (self->custom_id)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->custom_row), self->custom_id);
  empty = self->custom_id == NULL && self->n_matches == 0 &&
          !(self->search && falstaff_model_search_get_loading (self->search));
  gtk_widget_set_visible (GTK_WIDGET (self->empty_page), empty);
  gtk_widget_set_visible (GTK_WIDGET (self->scroller), !empty);
}

static void
add_endpoint (FalstaffEndpointPicker *self,
              GPtrArray              *items,
              FalstaffEndpointInfo   *info)
{
  const char *category = falstaff_endpoint_info_get_category_title (info);

  if (category == NULL)
    category = "";
  if (self->last_category == NULL || g_strcmp0 (category, self->last_category) != 0)
    {
      g_ptr_array_add (items, falstaff_picker_item_new_header (category));
      g_free (self->last_category);
      self->last_category = g_strdup (category);
    }
  g_ptr_array_add (items, falstaff_picker_item_new_endpoint (info));
  self->n_matches++;
}

static gboolean
results_stale (FalstaffEndpointPicker *self,
               const char             *query)
{
  g_autofree char *stripped = g_strstrip (g_strdup (query));

  return g_strcmp0 (falstaff_model_search_get_results_query (self->search), stripped) != 0;
}

/* Search results as they come: those for an older text are filtered here
 * until the new ones arrive; the local-only demo filter applies to the
 * built-in list alone (the searched catalog is the client's own: in the
 * demo, the local server's, all of which it runs). */
static gboolean
result_visible (FalstaffEndpointPicker *self,
                FalstaffEndpointInfo   *info,
                const char             *query,
                gboolean                stale)
{
  if (self->local_only && falstaff_model_search_get_offline (self->search) &&
      falstaff_model_search_get_cache_age (self->search) == NULL &&
      !falstaff_endpoint_info_get_local (info))
    return FALSE;
  return !stale || falstaff_endpoint_info_matches (info, query);
}

/* The same line: a header of the same title, or the same endpoint object
 * (a result of another page or fetch is rebound: its text may differ). */
static gboolean
same_item (FalstaffPickerItem *a,
           FalstaffPickerItem *b)
{
  if (falstaff_picker_item_is_header (a) != falstaff_picker_item_is_header (b))
    return FALSE;
  if (falstaff_picker_item_is_header (a))
    return g_strcmp0 (falstaff_picker_item_get_title (a), falstaff_picker_item_get_title (b)) == 0;
  return falstaff_picker_item_get_info (a) == falstaff_picker_item_get_info (b);
}

/* Only the lines that changed are replaced: the start sets the catalog,
 * the client and the recent list one after the other, each refiltering to
 * the same lines, and a splice of all of them made the list unbind and
 * bind its rows each time (a narrowing search keeps its common ends too). */
static void
replace_items (FalstaffEndpointPicker *self,
               GPtrArray              *items)
{
  GListModel *model = G_LIST_MODEL (self->items);
  guint n_old = g_list_model_get_n_items (model);
  guint start = 0;
  guint end = 0;

  while (start < n_old && start < items->len)
    {
      g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (model, start);

      if (!same_item (item, items->pdata[start]))
        break;
      start++;
    }
  while (end < n_old - start && end < items->len - start)
    {
      g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (model, n_old - 1 - end);

      if (!same_item (item, items->pdata[items->len - 1 - end]))
        break;
      end++;
    }
  if (start == n_old && start == items->len)
    return;
  g_list_store_splice (self->items, start, n_old - start - end,
                       items->pdata + start, items->len - start - end);
}

/* The flat list: each visible endpoint, with a header above the first of
 * each run of one category (the recent ones are a category of their own). */
static void
refilter (FalstaffEndpointPicker *self)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint position;

  if (self->held)
    {
      self->refilter_pending = TRUE;
      return;
    }
  self->n_matches = 0;
  g_clear_pointer (&self->last_category, g_free);
  for (guint i = 0; i < self->entries->len; i++)
    {
      FalstaffEndpointInfo *info = g_ptr_array_index (self->entries, i);

      /* With a search, the built-in entries give way to its results. */
      if (self->search && g_strcmp0 (falstaff_endpoint_info_get_category (info), "recent") != 0)
        continue;
      if (is_visible (self, info, query))
        add_endpoint (self, items, info);
    }

  self->n_results_shown = 0;
  if (self->search)
    {
      GListModel *results = falstaff_model_search_get_results (self->search);
      gboolean stale = results_stale (self, query);
      guint n = g_list_model_get_n_items (results);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(FalstaffEndpointInfo) info = g_list_model_get_item (results, i);

          if (result_visible (self, info, query, stale))
            add_endpoint (self, items, info);
        }
      self->n_results_shown = stale ? G_MAXUINT : n;
    }

  replace_items (self, items);

  position = find_endpoint (self, self->selected_id);
  select_position (self, position);
  update_custom_row (self);
}

static void
activate_id (FalstaffEndpointPicker *self,
             const char             *endpoint_id)
{
  g_autofree char *id = g_strdup (endpoint_id);

  g_free (self->selected_id);
  self->selected_id = g_strdup (id);
  g_signal_emit (self, signals[ENDPOINT_ACTIVATED], 0, id);
}

static void
search_changed_cb (FalstaffEndpointPicker *self)
{
  /* With a search, "changed" did it at once (the search has its own
   * pause before asking fal). */
  if (self->search == NULL)
    {
      gtk_slice_list_model_set_size (self->shown, first_page_lines (self));
      refilter (self);
    }
}

static void
text_changed_cb (FalstaffEndpointPicker *self)
{
  if (self->search == NULL)
    return;
  /* A new query starts with one page of rows again. */
  gtk_slice_list_model_set_size (self->shown, first_page_lines (self));
  self->activate_pending = FALSE;
  falstaff_model_search_set_query (self->search, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  refilter (self);
}

static gboolean
activate_first (FalstaffEndpointPicker *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (falstaff_picker_item_is_header (item))
        continue;
      select_position (self, i);
      activate_id (self, falstaff_picker_item_get_title (item));
      return TRUE;
    }
  return FALSE;
}

/* Enter picks the first match, or else the typed id. */
static void
search_activated_cb (FalstaffEndpointPicker *self)
{
  /* Typed fast, Enter comes before the search entry's delayed
   * search-changed: filter by what is typed now, not by what was. */
  refilter (self);
  /* Before fal answers for this text, the built-in list's first match
   * (what Enter always picked) rather than one of an older answer. */
  if (self->search && results_stale (self, gtk_editable_get_text (GTK_EDITABLE (self->search_entry))))
    {
      const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

      for (guint i = 0; self->catalog && i < g_list_model_get_n_items (G_LIST_MODEL (self->catalog)); i++)
        {
          g_autoptr(FalstaffEndpointInfo) info = g_list_model_get_item (G_LIST_MODEL (self->catalog), i);

          if (is_visible (self, info, query))
            {
              activate_id (self, falstaff_endpoint_info_get_id (info));
              return;
            }
        }
    }
  if (activate_first (self))
    return;
  if (self->custom_id)
    activate_id (self, self->custom_id);
  else if (self->search && falstaff_model_search_get_loading (self->search))
    /* fal has not answered for this text yet: its first result, then. */
    self->activate_pending = TRUE;
}

static void
list_activated_cb (FalstaffEndpointPicker *self,
                   guint                   position)
{
  g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), position);

  if (item == NULL || falstaff_picker_item_is_header (item))
    return;
  select_position (self, position);
  activate_id (self, falstaff_picker_item_get_title (item));
}

static void
custom_row_activated_cb (FalstaffEndpointPicker *self,
                         GtkListBoxRow          *row)
{
  if (self->custom_id)
    activate_id (self, self->custom_id);
}

/* A navigation sidebar activates on one click, as the list box did; the
 * list view alone only does on two (or selects on hover). The second press
 * of a double click is kept from the view so that it activates once. */
static void
row_pressed_cb (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                GtkListItem     *list_item)
{
  if (n_press > 1)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
row_released_cb (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 GtkListItem     *list_item)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  if (n_press != 1 || !gtk_list_item_get_activatable (list_item))
    return;
  gtk_widget_activate_action (row, "list.activate-item", "u", gtk_list_item_get_position (list_item));
}

static GtkWidget *
create_tag (const char *icon_name,
            const char *description)
{
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

  /* Rows' tooltips are asked for only when shown (falstaff-tooltip.c):
   * gtk_widget_set_tooltip_text()'s X round trips, four a row, were most
   * of the picker's cost at start. */
  falstaff_tooltip_set_text (icon, description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
  return icon;
}

/* Rows are built here rather than from a template: the list item changes
 * kind (header or endpoint) as the view recycles it. */
static GtkWidget *
create_endpoint_row (GtkListItem *list_item)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);
  GtkWidget *tags = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *streams = create_tag ("media-playlist-consecutive-symbolic", _("Streams its output"));
  GtkWidget *local = create_tag ("computer-symbolic", _("Offered by the offline demo"));
  GtkWidget *deprecated = gtk_label_new (_("Deprecated"));
  GtkWidget *thumb = gtk_picture_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_set_size_request (thumb, THUMB_SIZE, THUMB_SIZE);
  gtk_widget_set_valign (thumb, GTK_ALIGN_CENTER);
  gtk_picture_set_can_shrink (GTK_PICTURE (thumb), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (thumb), GTK_CONTENT_FIT_COVER);
  gtk_widget_set_overflow (thumb, GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (thumb, "picker-thumbnail");
  gtk_widget_add_css_class (deprecated, "picker-deprecated");
  gtk_widget_add_css_class (deprecated, "caption");
  gtk_widget_add_css_class (deprecated, "dim-label");
  falstaff_tooltip_set_text (deprecated, _("fal marks this model as deprecated: it may stop working"));

  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_set_valign (tags, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), subtitle);
  gtk_box_append (GTK_BOX (tags), streams);
  gtk_box_append (GTK_BOX (tags), local);
  gtk_box_append (GTK_BOX (tags), deprecated);
  gtk_box_append (GTK_BOX (row), thumb);
  gtk_box_append (GTK_BOX (row), labels);
  gtk_box_append (GTK_BOX (row), tags);

  g_signal_connect_object (click, "pressed", G_CALLBACK (row_pressed_cb), list_item, 0);
  g_signal_connect_object (click, "released", G_CALLBACK (row_released_cb), list_item, 0);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (click));

  /* The row owns these; the pointers are only looked up in bind. */
  g_object_set_data (G_OBJECT (row), "title", title);
  g_object_set_data (G_OBJECT (row), "subtitle", subtitle);
  g_object_set_data (G_OBJECT (row), "streams", streams);
  g_object_set_data (G_OBJECT (row), "local", local);
  g_object_set_data (G_OBJECT (row), "deprecated", deprecated);
  g_object_set_data (G_OBJECT (row), "thumb", thumb);
  return row;
}

static GtkWidget *
create_header (void)
{
  GtkWidget *header = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_widget_add_css_class (header, "heading");
  gtk_widget_add_css_class (header, "dim-label");
  gtk_widget_set_margin_top (header, 12);
  gtk_widget_set_margin_bottom (header, 6);
  return header;
}

/* ------------------------------------------------------------ thumbnails */

typedef struct {
  char *url;
  char *path;           /* in the disk cache */
  GBytes *bytes;        /* downloaded, to keep and decode */
  int size;                /* pixels a side: the display's scale */
} ThumbLoad;

static void
thumb_load_free (ThumbLoad *load)
{
  g_free (load->url);
  g_free (load->path);
  g_clear_pointer (&load->bytes, g_bytes_unref);
  g_free (load);
}

/* In a worker: the kept file, or the downloaded bytes (then kept). NULL
 * without an error when there is no file yet. */
static void
thumb_decode_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  ThumbLoad *load = task_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  int size = load->size;

  if (load->bytes == NULL)
    {
      if (!g_file_test (load->path, G_FILE_TEST_IS_REGULAR))
        {
          g_task_return_pointer (task, NULL, NULL);
          return;
        }
      pixbuf = falstaff_image_decode_file (load->path, size, NULL, NULL, cancellable, &error);
    }
  else
    {
      g_autofree char *dir = g_path_get_dirname (load->path);

      pixbuf = falstaff_image_decode (load->bytes, size, NULL, NULL, &error);
      /* Kept only once it decodes. */
      if (pixbuf && g_mkdir_with_parents (dir, 0700) == 0)
        g_file_set_contents (load->path, g_bytes_get_data (load->bytes, NULL), g_bytes_get_size (load->bytes), NULL);
    }
  if (pixbuf == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, falstaff_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

static void
thumb_remember (FalstaffEndpointPicker *self,
                const char             *url,
                GdkTexture             *texture)
{
  char *key;

  if (g_hash_table_contains (self->thumb_memory, url))
    return;
  key = g_strdup (url);
  g_hash_table_insert (self->thumb_memory, key, g_object_ref (texture));
  g_queue_push_tail (&self->thumb_order, key);
  while (g_queue_get_length (&self->thumb_order) > THUMB_MEMORY)
    g_hash_table_remove (self->thumb_memory, g_queue_pop_head (&self->thumb_order));
}

/* The picture shows the texture only if its row still shows that model:
 * rows are recycled as the list scrolls. */
static void
thumb_show (GtkPicture *picture,
            const char *url,
            GdkTexture *texture)
{
  if (g_strcmp0 (g_object_get_data (G_OBJECT (picture), "thumb-url"), url) == 0)
    gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
}

static void thumb_downloaded_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static void
thumb_decoded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GtkPicture) picture = user_data;
  FalstaffEndpointPicker *self = FALSTAFF_ENDPOINT_PICKER (object);
  ThumbLoad *load = g_task_get_task_data (G_TASK (result));
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  if (texture)
    {
      thumb_remember (self, load->url, texture);
      thumb_show (picture, load->url, texture);
    }
  else if (error == NULL && load->bytes == NULL && !g_cancellable_is_cancelled (cancellable))
    {
      /* Not kept yet: fetched, with no key (a session of our own). */
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", load->url);
      GTask *task;

      if (msg == NULL)
        return;
      task = g_task_new (self, cancellable, NULL, NULL);
      g_task_set_source_tag (task, thumb_downloaded_cb);
      g_task_set_task_data (task, g_task_get_task_data (G_TASK (result)), NULL);
      g_object_set_data_full (G_OBJECT (task), "load-owner", g_object_ref (result), g_object_unref);
      g_object_set_data_full (G_OBJECT (task), "picture", g_object_ref (picture), g_object_unref);
      soup_session_send_and_read_async (self->thumb_session, msg, G_PRIORITY_LOW, cancellable,
                                        thumb_downloaded_cb, task);
    }
  else if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("No thumbnail from %s: %s", load->url, error->message);
}

static void
thumb_downloaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FalstaffEndpointPicker *self = g_task_get_source_object (task);
  ThumbLoad *old = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_autoptr(GTask) decode = NULL;
  ThumbLoad *load;

  if (bytes == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No thumbnail from %s: %s", old->url, error->message);
      return;
    }
  load = g_new0 (ThumbLoad, 1);
  load->url = g_strdup (old->url);
  load->path = g_strdup (old->path);
  load->size = old->size;
  load->bytes = g_steal_pointer (&bytes);
  decode = g_task_new (self, g_task_get_cancellable (task), thumb_decoded_cb,
                       g_object_ref (g_object_get_data (G_OBJECT (task), "picture")));
  g_task_set_source_tag (decode, thumb_decoded_cb);
  g_task_set_task_data (decode, load, (GDestroyNotify) thumb_load_free);
  /* Thumbnails in bulk: after a person's own image. */
  g_task_set_priority (decode, G_PRIORITY_LOW);
  falstaff_image_run_in_background (decode, thumb_decode_thread);
}

static void
thumb_load (FalstaffEndpointPicker *self,
            GtkPicture             *picture,
            const char             *url,
            GCancellable           *cancellable)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA1, url, -1);
  g_autofree char *name = g_strconcat (sum, ".png", NULL);
  ThumbLoad *load = g_new0 (ThumbLoad, 1);

  load->url = g_strdup (url);
  load->path = g_build_filename (self->thumb_dir, name, NULL);
  /* As many pixels as the display shows: twice as many on a scaled one
   * (a quarter of the memory of always decoding for scale 2). */
  load->size = THUMB_SIZE * MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (picture)));
  task = g_task_new (self, cancellable, thumb_decoded_cb, g_object_ref (picture));
  g_task_set_source_tag (task, thumb_load);
  g_task_set_task_data (task, load, (GDestroyNotify) thumb_load_free);
  /* Thumbnails in bulk: after a person's own image. */
  g_task_set_priority (task, G_PRIORITY_LOW);
  falstaff_image_run_in_background (task, thumb_decode_thread);
}

static void
bind_thumbnail (FalstaffEndpointPicker *self,
                GtkWidget              *row,
                FalstaffEndpointInfo   *info)
{
  GtkPicture *picture = g_object_get_data (G_OBJECT (row), "thumb");
  const char *url = falstaff_endpoint_info_get_thumbnail_url (info);
  GdkTexture *known;

  g_object_set_data_full (G_OBJECT (picture), "thumb-url", g_strdup (url), g_free);
  gtk_picture_set_paintable (picture, NULL);
  gtk_widget_set_visible (GTK_WIDGET (picture), url != NULL);
  if (url == NULL)
    return;
  if ((known = g_hash_table_lookup (self->thumb_memory, url)))
    {
      gtk_picture_set_paintable (picture, GDK_PAINTABLE (known));
      return;
    }
  {
    GCancellable *cancellable = g_cancellable_new ();

    /* Cancelled when the row is unbound (scrolled away or recycled). */
    g_object_set_data_full (G_OBJECT (row), "thumb-cancellable", cancellable, g_object_unref);
    thumb_load (self, picture, url, cancellable);
  }
}

/* ------------------------------------------------------------------- rows */

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         gpointer                  data)
{
  FalstaffEndpointPicker *self = data;
  FalstaffPickerItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);
  FalstaffEndpointInfo *info = falstaff_picker_item_get_info (item);
  const char *description;
  const char *name;
  g_autofree char *subtitle = NULL;

  gtk_list_item_set_selectable (list_item, info != NULL);
  gtk_list_item_set_activatable (list_item, info != NULL);

  if (info == NULL)
    {
      if (!GTK_IS_LABEL (child))
        gtk_list_item_set_child (list_item, (child = create_header ()));
      gtk_label_set_text (GTK_LABEL (child), falstaff_picker_item_get_title (item));
      return;
    }

  if (child == NULL || GTK_IS_LABEL (child))
    gtk_list_item_set_child (list_item, (child = create_endpoint_row (list_item)));
  description = falstaff_endpoint_info_get_description (info);
  name = falstaff_endpoint_info_get_display_name (info);
  /* A model with a name shows it, its id below with the description. */
  if (name)
    subtitle = description && *description
             ? g_strdup_printf ("%s — %s", falstaff_endpoint_info_get_id (info), description)
             : g_strdup (falstaff_endpoint_info_get_id (info));
  else
    subtitle = g_strdup (description ? description : "");
  gtk_label_set_text (g_object_get_data (G_OBJECT (child), "title"), name ? name : falstaff_endpoint_info_get_id (info));
  gtk_label_set_text (g_object_get_data (G_OBJECT (child), "subtitle"), subtitle);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (child), "subtitle"), *subtitle != '\0');
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (child), "streams"), falstaff_endpoint_info_get_streams (info));
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (child), "local"), falstaff_endpoint_info_get_local (info));
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (child), "deprecated"), falstaff_endpoint_info_get_deprecated (info));
  falstaff_tooltip_set_text (child, name ? falstaff_endpoint_info_get_id (info) : NULL);
  bind_thumbnail (self, child, info);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  data)
{
  GtkWidget *child = gtk_list_item_get_child (list_item);
  GCancellable *cancellable;

  if (child == NULL || GTK_IS_LABEL (child))
    return;
  if ((cancellable = g_object_get_data (G_OBJECT (child), "thumb-cancellable")))
    g_cancellable_cancel (cancellable);
  g_object_set_data (G_OBJECT (child), "thumb-cancellable", NULL);
  g_object_set_data (G_OBJECT (g_object_get_data (G_OBJECT (child), "thumb")), "thumb-url", NULL);
}

/* ------------------------------------------------------------- the search */

/* A page appended to the results goes to the end of the list as it is
 * (the rows in view stay); anything else rebuilds it. */
static void
results_changed_cb (FalstaffEndpointPicker *self,
                    guint                   position,
                    guint                   removed,
                    guint                   added,
                    GListModel             *results)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (self->held)
    refilter (self);
  else if (removed == 0 && position == self->n_results_shown && !results_stale (self, query))
    {
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = position; i < position + added; i++)
        {
          g_autoptr(FalstaffEndpointInfo) info = g_list_model_get_item (results, i);

          if (result_visible (self, info, query, FALSE))
            add_endpoint (self, items, info);
        }
      self->n_results_shown += added;
      g_list_store_splice (self->items, g_list_model_get_n_items (G_LIST_MODEL (self->items)), 0,
                           items->pdata, items->len);
      update_custom_row (self);
    }
  else
    refilter (self);

  if (self->activate_pending && !results_stale (self, query))
    {
      self->activate_pending = FALSE;
      if (!activate_first (self) && self->custom_id)
        activate_id (self, self->custom_id);
    }
}

static void
update_status (FalstaffEndpointPicker *self)
{
  gboolean offline = self->search && falstaff_model_search_get_offline (self->search);
  const char *age = self->search ? falstaff_model_search_get_cache_age (self->search) : NULL;
  g_autofree char *text = NULL;

  if (offline && age)
    text = g_strdup_printf (_("Offline: models as of %s"), age);
  else if (offline)
    text = g_strdup (_("Offline: the built-in list"));
  gtk_label_set_text (self->status_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL);
}

static void
search_notify_cb (FalstaffEndpointPicker *self)
{
  update_status (self);
  update_custom_row (self);
}

/* Near the end of the rows (two or so before), the next page: of the
 * lines there are, else of the search's results. */
static void
check_paging (FalstaffEndpointPicker *self)
{
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->shown));
  double upper, row_height;

  if (adjustment == NULL || n_shown == 0)
    return;
  upper = gtk_adjustment_get_upper (adjustment);
  row_height = upper / n_shown;
  if (gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) < upper - 2 * row_height)
    return;
  if (n_shown < n_items)
    falstaff_list_pages_show_at_least (self->shown, n_shown + 1, PAGE_LINES);
  else if (self->search != NULL && falstaff_model_search_get_has_more (self->search) &&
           !falstaff_model_search_get_loading (self->search))
    falstaff_model_search_load_more (self->search);
}

static void
falstaff_endpoint_picker_dispose (GObject *object)
{
  FalstaffEndpointPicker *self = (FalstaffEndpointPicker *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_ENDPOINT_PICKER);
  /* The template's root child is not bound: it goes here. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  if (self->search)
    g_signal_handlers_disconnect_by_data (self->search, self);
  g_clear_object (&self->search);
  g_clear_object (&self->thumb_session);
  g_clear_pointer (&self->thumb_memory, g_hash_table_unref);
  g_queue_clear (&self->thumb_order);
  g_clear_pointer (&self->thumb_dir, g_free);
  g_clear_pointer (&self->last_category, g_free);
  g_clear_object (&self->catalog);
  g_clear_object (&self->selection);
  g_clear_object (&self->items);
  self->shown = NULL;  /* the selection's */
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->custom_id, g_free);
  g_clear_pointer (&self->selected_id, g_free);
  g_clear_pointer (&self->recent, g_strfreev);

  G_OBJECT_CLASS (falstaff_endpoint_picker_parent_class)->dispose (object);
}

static void
falstaff_endpoint_picker_class_init (FalstaffEndpointPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_endpoint_picker_dispose;

  signals[ENDPOINT_ACTIVATED] = g_signal_new ("endpoint-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-endpoint-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, search_entry);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, list_view);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, scroller);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, custom_list);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, custom_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, empty_page);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, status_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, text_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, list_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, custom_row_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

/* Tab into the list: GTK 4.8's list view takes the focus only on a row
 * it has focused before, else the scrolled window keeps it and the
 * arrows scroll instead of moving through the endpoints. The focus goes
 * on to the selected endpoint when it is in view, or the first
 * endpoint in view. */
static void
scroller_focus_cb (GtkEventControllerFocus *controller,
                   FalstaffEndpointPicker  *self)
{
  GtkWidget *scroller = GTK_WIDGET (self->scroller);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  guint position;

  if (!gtk_event_controller_focus_is_focus (controller) || n == 0)
    return;
  position = gtk_single_selection_get_selected (self->selection);
  if (position != GTK_INVALID_LIST_POSITION && position < n)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); row;
       row = gtk_widget_get_next_sibling (row))
    {
      graphene_point_t origin = { 0, 0 }, at;

      /* Headers of a group take no focus. */
      if (gtk_widget_get_mapped (row) && gtk_widget_compute_point (row, scroller, &origin, &at) && at.y >= 0 &&
          gtk_widget_grab_focus (row))
        break;
    }
}

static void
falstaff_endpoint_picker_init (FalstaffEndpointPicker *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->entries = g_ptr_array_new_with_free_func (g_object_unref);
  self->items = g_list_store_new (FALSTAFF_TYPE_PICKER_ITEM);
  self->shown = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->items)), 0, first_page_lines (self));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->shown));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  self->thumb_memory = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_queue_init (&self->thumb_order);
  self->thumb_dir = g_build_filename (g_get_user_cache_dir (), "falstaff", "thumbnails", NULL);
  {
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

    g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (check_paging), self, G_CONNECT_SWAPPED);
    g_signal_connect_object (adjustment, "changed", G_CALLBACK (check_paging), self, G_CONNECT_SWAPPED);
  }
  {
    GtkEventController *focus = gtk_event_controller_focus_new ();

    g_signal_connect (focus, "enter", G_CALLBACK (scroller_focus_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->scroller), focus);
  }
}

static void
rebuild (FalstaffEndpointPicker *self,
         const char * const     *recent)
{
  g_ptr_array_set_size (self->entries, 0);
  for (guint i = 0; recent && recent[i]; i++)
    {
      FalstaffEndpointInfo *known = self->catalog ? falstaff_catalog_lookup (self->catalog, recent[i]) : NULL;

      g_ptr_array_add (self->entries,
                       falstaff_endpoint_info_new (recent[i], "recent",
                                                   known ? falstaff_endpoint_info_get_description (known) : "",
                                                   known && falstaff_endpoint_info_get_streams (known),
                                                   known && falstaff_endpoint_info_get_local (known)));
    }
  for (guint i = 0; self->catalog && i < g_list_model_get_n_items (G_LIST_MODEL (self->catalog)); i++)
    g_ptr_array_add (self->entries, g_list_model_get_item (G_LIST_MODEL (self->catalog), i));

  refilter (self);
}

void
falstaff_endpoint_picker_set_catalog (FalstaffEndpointPicker *self,
                                      FalstaffCatalog        *catalog)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  g_set_object (&self->catalog, catalog);
  if (self->search)
    falstaff_model_search_set_fallback (self->search, catalog);
  rebuild (self, (const char * const *) self->recent);
}

void
falstaff_endpoint_picker_set_recent (FalstaffEndpointPicker *self,
                                     const char * const     *endpoint_ids)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  if (self->recent && endpoint_ids && g_strv_equal ((const char * const *) self->recent, endpoint_ids))
    return;
  g_strfreev (self->recent);
  self->recent = g_strdupv ((char **) endpoint_ids);
  if (self->catalog || self->search)
    rebuild (self, endpoint_ids);
}

void
falstaff_endpoint_picker_set_local_only (FalstaffEndpointPicker *self,
                                         gboolean                local_only)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  if (self->local_only == local_only)
    return;
  self->local_only = local_only;
  refilter (self);
}

void
falstaff_endpoint_picker_select (FalstaffEndpointPicker *self,
                                 const char             *endpoint_id)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  /* Remembered, so that the selection comes back when a search ends. */
  g_free (self->selected_id);
  self->selected_id = g_strdup (endpoint_id);
  select_position (self, find_endpoint (self, endpoint_id));
}

/* Held, the list is not rebuilt as the catalog, the recent endpoints and
 * the search's answers come: once, when let go. The window holds it
 * until its first frame is out, its rows (~20 widgets each) made for
 * the second. */
void
falstaff_endpoint_picker_hold (FalstaffEndpointPicker *self,
                               gboolean                held)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  if (self->held == held)
    return;
  self->held = held;
  if (!held && self->refilter_pending)
    {
      self->refilter_pending = FALSE;
      /* Now in its window: a first page of the window's height. */
      gtk_slice_list_model_set_size (self->shown, first_page_lines (self));
      refilter (self);
    }
}

GtkWidget *
falstaff_endpoint_picker_get_search_entry (FalstaffEndpointPicker *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self), NULL);

  return GTK_WIDGET (self->search_entry);
}

void
falstaff_endpoint_picker_set_client (FalstaffEndpointPicker *self,
                                     FalClient              *client)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));
  g_return_if_fail (client == NULL || FAL_IS_CLIENT (client));

  if (self->search)
    {
      g_signal_handlers_disconnect_by_data (self->search, self);
      g_clear_object (&self->search);
    }
  if (client)
    {
      self->search = falstaff_model_search_new (client);
      falstaff_model_search_set_fallback (self->search, self->catalog);
      g_signal_connect_object (falstaff_model_search_get_results (self->search), "items-changed",
                               G_CALLBACK (results_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->search, "notify::offline", G_CALLBACK (search_notify_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->search, "notify::cache-age", G_CALLBACK (search_notify_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->search, "notify::loading", G_CALLBACK (search_notify_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->search, "notify::has-more", G_CALLBACK (check_paging), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->search, "notify::loading", G_CALLBACK (check_paging), self, G_CONNECT_SWAPPED);
      falstaff_model_search_set_query (self->search, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
    }
  if (self->thumb_session == NULL)
    {
      /* No key ever goes with a thumbnail. */
      self->thumb_session = soup_session_new_with_options ("max-conns-per-host", 6, NULL);
      fal_session_guard_redirects (self->thumb_session);
    }
  update_status (self);
  refilter (self);
}

FalstaffEndpointInfo *
falstaff_endpoint_picker_lookup (FalstaffEndpointPicker *self,
                                 const char             *endpoint_id)
{
  FalstaffEndpointInfo *known;

  g_return_val_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self), NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);

  if (self->search)
    {
      GListModel *results = falstaff_model_search_get_results (self->search);

      for (guint i = 0; i < g_list_model_get_n_items (results); i++)
        {
          g_autoptr(FalstaffEndpointInfo) info = g_list_model_get_item (results, i);

          if (g_strcmp0 (falstaff_endpoint_info_get_id (info), endpoint_id) == 0)
            return info;
        }
    }
  if (self->catalog && (known = falstaff_catalog_lookup (self->catalog, endpoint_id)))
    return known;
  for (guint i = 0; i < self->entries->len; i++)
    if (g_strcmp0 (falstaff_endpoint_info_get_id (self->entries->pdata[i]), endpoint_id) == 0)
      return self->entries->pdata[i];
  return NULL;
}

FalstaffModelSearch *
falstaff_endpoint_picker_get_search (FalstaffEndpointPicker *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self), NULL);

  return self->search;
}
