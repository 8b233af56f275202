/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "fal.h"

#include "fal-file-name.h"
#include "falstaff-image-loader.h"
#include "falstaff-media-view.h"
#include "falstaff-output-actions.h"
#include "falstaff-output-keeper.h"
#include "falstaff-output-view-private.h"

/* Thumbnails are made at most this big: never a full-size texture. */
#define THUMBNAIL_SIZE 512

typedef struct {
  int width;
  int height;
  gboolean loaded;
} ImageInfo;

struct _FalstaffOutputView
{
  GtkWidget parent_instance;

  GtkStack *stack;
  AdwStatusPage *empty_page;
  GtkFlowBox *gallery;
  GtkTextView *text_view;
  GtkButton *copy_text_button;
  GtkListBox *file_list;

  SoupSession *session;
  GCancellable *cancellable;
  GArray *images;         /* ImageInfo, in gallery order */
  GPtrArray *pictures;    /* GtkPicture, unowned, in gallery order */
  char *gallery_urls;     /* the URLs shown, joined: a repeated result is not reloaded */
  GPtrArray *media_views;
  char *endpoint_id;
  char *request_id;
  char *inputs_json;
  char *seed;             /* from this run's result */
  char *last_notice;
  FalstaffOutputKeeper *keeper;   /* may be NULL */
  gint64 run_id;          /* 0: none */
};

G_DEFINE_FINAL_TYPE (FalstaffOutputView, falstaff_output_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_N_IMAGES,
  PROP_LAST_NOTICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_image_name (FalstaffOutputView *self, guint index);

typedef struct {
  FalstaffOutputView *self;
  GtkPicture *picture;
  GtkLabel *label;
  guint index;
} Thumbnail;

static void
thumbnail_loaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Thumbnail *thumbnail = data;
  g_autoptr(GError) error = NULL;
  int width = 0, height = 0;
  g_autoptr(GdkTexture) texture = falstaff_image_loader_load_finish (result, &width, &height, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (thumbnail);
      return;
    }
  if (texture == NULL)
    {
      g_autofree char *reason = falstaff_output_describe_error (error);
      g_autofree char *text = g_strdup_printf (_("Could not load: %s"), reason);

      gtk_label_set_text (thumbnail->label, text);
      gtk_label_set_wrap (thumbnail->label, TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (thumbnail->label), "error");
    }
  else
    {
      FalstaffOutputView *self = thumbnail->self;
      ImageInfo *info = &g_array_index (self->images, ImageInfo, thumbnail->index);
      g_autofree char *size = g_strdup_printf ("%d × %d", width, height);

      gtk_picture_set_paintable (thumbnail->picture, GDK_PAINTABLE (texture));
      gtk_label_set_text (thumbnail->label, size);
      info->width = width;
      info->height = height;
      info->loaded = TRUE;
      update_image_name (self, thumbnail->index);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_IMAGES]);
    }
  g_free (thumbnail);
}

/* ------------------------------------------------------------------ the gallery */

/* A thumbnail's natural width: the flow box lays out as many columns as
 * fit at this width (a picture's own natural width, its pixel size,
 * would give one column of 512 px thumbnails). Allocated wider, the
 * pictures grow. */
#define ITEM_NATURAL_WIDTH 200

static GtkSizeRequestMode
item_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
item_measure (GtkWidget      *widget,
              GtkOrientation  orientation,
              int             for_size,
              int            *minimum,
              int            *natural,
              int            *minimum_baseline,
              int            *natural_baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);

  *minimum = *natural = 0;
  if (child == NULL)
    return;
  gtk_widget_measure (child, orientation, for_size, minimum, natural, minimum_baseline, natural_baseline);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *natural = MAX (*minimum, MIN (*natural, ITEM_NATURAL_WIDTH));
}

static void
item_allocate (GtkWidget *widget,
               int        width,
               int        height,
               int        baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);

  if (child)
    gtk_widget_allocate (child, width, height, baseline, NULL);
}

static void
update_image_name (FalstaffOutputView *self,
                   guint               index)
{
  GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (self->gallery, index);
  ImageInfo *info = &g_array_index (self->images, ImageInfo, index);
  g_autofree char *name = NULL;

  if (child == NULL)
    return;
  if (info->loaded)
    /* Translators: "Result image 1 of 4, 1024 × 768" */
    name = g_strdup_printf (_("Result image %u of %u, %d × %d"), index + 1, self->images->len, info->width, info->height);
  else
    name = g_strdup_printf (_("Result image %u of %u"), index + 1, self->images->len);
  gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_picture_set_alternative_text (g_ptr_array_index (self->pictures, index), name);
}

/* A click on a thumbnail opens the picture large. */
static void
thumbnail_pressed_cb (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      gpointer         data)
{
  GtkWidget *frame = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  _falstaff_output_view_open_large (data, g_object_get_data (G_OBJECT (frame), "url"));
}

static void
add_image (FalstaffOutputView *self,
           const char         *url,
           const char         *content_type)
{
  GtkWidget *item = gtk_flow_box_child_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *label = gtk_label_new (_("Loading…"));
  Thumbnail *thumbnail = g_new0 (Thumbnail, 1);
  ImageInfo info = { 0 };

  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_size_request (picture, 160, 160);
  gtk_widget_set_hexpand (picture, TRUE);
  gtk_frame_set_child (GTK_FRAME (frame), picture);
  {
    GtkGesture *click = gtk_gesture_click_new ();

    g_object_set_data_full (G_OBJECT (frame), "url", g_strdup (url), g_free);
    g_signal_connect (click, "released", G_CALLBACK (thumbnail_pressed_cb), self);
    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
    gtk_widget_add_controller (frame, GTK_EVENT_CONTROLLER (click));
    gtk_widget_set_cursor_from_name (frame, "zoom-in");
    gtk_widget_set_tooltip_text (frame, _("View Large"));
  }
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), frame);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), _falstaff_output_view_item_actions (self, url, content_type, TRUE));
  g_object_set_data_full (G_OBJECT (box), "url", g_strdup (url), g_free);
  gtk_widget_set_layout_manager (item, gtk_custom_layout_new (item_request_mode, item_measure, item_allocate));
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (item), box);
  gtk_flow_box_append (self->gallery, item);
  g_ptr_array_add (self->pictures, picture);

  thumbnail->self = self;
  thumbnail->picture = GTK_PICTURE (picture);
  thumbnail->label = GTK_LABEL (label);
  thumbnail->index = self->images->len;
  g_array_append_val (self->images, info);
  {
    /* The kept copy when there is one: fal's URL may have expired. */
    g_autoptr(GError) error = NULL;
    g_autofree char *source = _falstaff_output_view_local_uri (self, url, &error);

    if (source)
      falstaff_image_loader_load_async (self->session, source, THUMBNAIL_SIZE, self->cancellable,
                                        thumbnail_loaded_cb, thumbnail);
    else
      {
        g_autofree char *text = g_strdup_printf (_("Not shown: %s"), error->message);

        gtk_label_set_text (GTK_LABEL (label), text);
        gtk_label_set_wrap (GTK_LABEL (label), TRUE);
        gtk_widget_add_css_class (label, "error");
        g_free (thumbnail);
      }
  }
}

static void
reset (FalstaffOutputView *self)
{
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->gallery))))
    gtk_flow_box_remove (self->gallery, child);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->file_list))))
    gtk_list_box_remove (self->file_list, child);
  g_array_set_size (self->images, 0);
  g_ptr_array_set_size (self->pictures, 0);
  g_ptr_array_set_size (self->media_views, 0);
  g_clear_pointer (&self->gallery_urls, g_free);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", -1);
}

static gboolean
show_images (FalstaffOutputView *self,
             JsonArray          *images)
{
  g_autoptr(GString) urls = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonNode *element = json_array_get_element (images, i);
      const char *url = JSON_NODE_HOLDS_OBJECT (element) ? fal_json_get_string (json_node_get_object (element), "url") : NULL;

      if (url)
        g_string_append_printf (urls, "%s\n", url);
    }
  if (urls->len == 0)
    return FALSE;
  if (g_strcmp0 (urls->str, self->gallery_urls) == 0)
    return TRUE;

  reset (self);
  self->gallery_urls = g_strdup (urls->str);
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonNode *element = json_array_get_element (images, i);
      JsonObject *image = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const char *url = image ? fal_json_get_string (image, "url") : NULL;

      if (url)
        add_image (self, url, fal_json_get_string (image, "content_type"));
    }
  for (guint i = 0; i < self->images->len; i++)
    update_image_name (self, i);
  /* No empty columns: two images on a wide pane take half of it each. */
  gtk_flow_box_set_max_children_per_line (self->gallery, CLAMP (self->images->len, 1, 4));
  gtk_stack_set_visible_child_name (self->stack, "gallery");
  return TRUE;
}

static void
show_text (FalstaffOutputView *self,
           const char         *text,
           JsonArray          *chunks)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  g_autoptr(GString) shown = g_string_new (text);

  /* Speech to text: the timed chunks under the text. */
  for (guint i = 0; chunks && i < json_array_get_length (chunks); i++)
    {
      JsonNode *element = json_array_get_element (chunks, i);
      JsonObject *chunk = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      JsonArray *timestamp = chunk ? fal_json_get_array (chunk, "timestamp") : NULL;

      if (i == 0)
        g_string_append (shown, "\n\n");
      if (timestamp && json_array_get_length (timestamp) == 2)
        g_string_append_printf (shown, "[%.1f – %.1f s] ",
                                json_array_get_double_element (timestamp, 0),
                                json_array_get_double_element (timestamp, 1));
      g_string_append_printf (shown, "%s\n", chunk ? fal_json_get_string (chunk, "text") : "");
    }
  gtk_text_buffer_set_text (buffer, shown->str, -1);
  gtk_stack_set_visible_child_name (self->stack, "text");
}

static void
open_file_cb (GtkButton          *button,
              FalstaffOutputView *self)
{
  _falstaff_output_view_open_elsewhere (self, g_object_get_data (G_OBJECT (button), "url"),
                                        g_object_get_data (G_OBJECT (button), "content-type"));
}

static void
add_file_row (FalstaffOutputView *self,
              const char         *title,
              JsonObject         *file)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *open = gtk_button_new_from_icon_name ("document-open-symbolic");
  const char *url = fal_json_get_string (file, "url");
  const char *type = fal_json_get_string (file, "content_type");
  gint64 size = 0;
  g_autofree char *subtitle = NULL;
  g_autofree char *size_text = NULL;
  g_autoptr(GError) refused = NULL;
  g_autofree char *description = NULL;

  if (fal_json_get_int (file, "file_size", &size))
    size_text = g_format_size (size);
  /* "PNG image", not "image/png". */
  if (type)
    {
      g_autofree char *content_type = g_content_type_from_mime_type (type);

      description = content_type ? g_content_type_get_description (content_type) : NULL;
    }
  subtitle = size_text ? g_strjoin (" · ", description ? description : _("File"), size_text, NULL)
                       : g_strdup (description ? description : _("File"));
  if (!falstaff_output_check_link (url, &refused))
    {
      g_free (subtitle);
      subtitle = g_strdup_printf (_("Not opened: %s"), refused->message);
      gtk_widget_set_sensitive (open, FALSE);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (open, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (open, _("Open in Another App"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (open), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Open in Another App"), -1);
  gtk_widget_add_css_class (open, "flat");
  g_object_set_data_full (G_OBJECT (open), "url", g_strdup (url), g_free);
  g_object_set_data_full (G_OBJECT (open), "content-type", g_strdup (type), g_free);
  g_signal_connect (open, "clicked", G_CALLBACK (open_file_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), open);
  gtk_list_box_append (self->file_list, row);
}

static gboolean
is_media (JsonObject *file)
{
  const char *type = fal_json_get_string (file, "content_type");
  const char *url = fal_json_get_string (file, "url");

  if (type)
    return g_str_has_prefix (type, "video/") || g_str_has_prefix (type, "audio/");
  return url && (g_str_has_suffix (url, ".mp4") || g_str_has_suffix (url, ".webm") ||
                 g_str_has_suffix (url, ".wav") || g_str_has_suffix (url, ".mp3"));
}

/* A media view gave a toast itself: kept as this view's last notice. */
static void
media_notice_cb (FalstaffOutputView *self,
                 GParamSpec         *pspec,
                 FalstaffMediaView  *media)
{
  const char *text = falstaff_media_view_get_last_notice (media);

  if (text == NULL)
    return;
  g_free (self->last_notice);
  self->last_notice = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_NOTICE]);
}

/* Video and audio play here; a missing codec says so and offers another app. */
static void
add_media (FalstaffOutputView *self,
           JsonObject         *file)
{
  const char *url = fal_json_get_string (file, "url");
  const char *type = fal_json_get_string (file, "content_type");
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  g_autofree char *kept = self->keeper && self->run_id > 0 && url && !g_str_has_prefix (url, "data:")
                           ? falstaff_output_keeper_lookup (self->keeper, self->run_id, url) : NULL;
  g_autoptr(GFile) local_file = kept ? g_file_new_for_path (kept) : NULL;
  GtkWidget *media = falstaff_media_view_new_with_local_file (self->session, url,
                                                              fal_json_get_string (file, "content_type"),
                                                              local_file);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_box_append (GTK_BOX (box), media);
  gtk_box_append (GTK_BOX (box), _falstaff_output_view_item_actions (self, url, fal_json_get_string (file, "content_type"), FALSE));
  g_signal_connect_object (media, "notify::last-notice", G_CALLBACK (media_notice_cb), self, G_CONNECT_SWAPPED);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_append (self->file_list, row);
  /* The list box keeps its rows focusable: the row says what it holds. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  type && g_str_has_prefix (type, "audio/") ? _("Audio result") : _("Video result"), -1);
  g_ptr_array_add (self->media_views, media);
}

/* Media files of other kinds: objects with a url, one level down. */
static gboolean
show_files (FalstaffOutputView *self,
            JsonObject         *output)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean any = FALSE;

  reset (self);
  json_object_iter_init_ordered (&iter, output);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    if (JSON_NODE_HOLDS_OBJECT (member) && fal_json_get_string (json_node_get_object (member), "url"))
      {
        /* A link the app will not fetch gets a plain row that says so. */
        if (is_media (json_node_get_object (member)) &&
            falstaff_output_check_link (fal_json_get_string (json_node_get_object (member), "url"), NULL))
          add_media (self, json_node_get_object (member));
        else
          add_file_row (self, name, json_node_get_object (member));
        any = TRUE;
      }
  if (any)
    gtk_stack_set_visible_child_name (self->stack, "files");
  return any;
}

static void child_activated_cb (GtkFlowBox *box, GtkFlowBoxChild *child, FalstaffOutputView *self);

static void
copy_text_clicked_cb (FalstaffOutputView *self)
{
  g_autofree char *text = falstaff_output_view_get_text (self);

  if (text == NULL || *text == '\0')
    {
      _falstaff_output_view_notify (self, _("There is no text to copy yet"));
      return;
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  _falstaff_output_view_notify (self, _("Text copied"));
}

static void
falstaff_output_view_dispose (GObject *object)
{
  FalstaffOutputView *self = (FalstaffOutputView *)object;

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_OUTPUT_VIEW);
  /* The template's root child is not bound: it goes here. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->images, g_array_unref);
  g_clear_pointer (&self->pictures, g_ptr_array_unref);
  g_clear_pointer (&self->media_views, g_ptr_array_unref);
  g_clear_pointer (&self->gallery_urls, g_free);
  g_clear_pointer (&self->endpoint_id, g_free);
  g_clear_pointer (&self->request_id, g_free);
  g_clear_pointer (&self->inputs_json, g_free);
  g_clear_pointer (&self->seed, g_free);
  g_clear_pointer (&self->last_notice, g_free);
  g_clear_object (&self->keeper);

  G_OBJECT_CLASS (falstaff_output_view_parent_class)->dispose (object);
}

static void
falstaff_output_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  FalstaffOutputView *self = FALSTAFF_OUTPUT_VIEW (object);

  switch (prop_id)
    {
    case PROP_N_IMAGES:
      g_value_set_uint (value, falstaff_output_view_get_n_images (self));
      break;
    case PROP_LAST_NOTICE:
      g_value_set_string (value, self->last_notice);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_output_view_class_init (FalstaffOutputViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_output_view_dispose;
  object_class->get_property = falstaff_output_view_get_property;

  properties[PROP_N_IMAGES] = g_param_spec_uint ("n-images", NULL, NULL, 0, G_MAXUINT, 0,
                                                 G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Set (and notified) with every toast, also when the text repeats. */
  properties[PROP_LAST_NOTICE] = g_param_spec_string ("last-notice", NULL, NULL, NULL,
                                                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-output-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffOutputView, stack);
  gtk_widget_class_bind_template_child (widget_class, FalstaffOutputView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, FalstaffOutputView, gallery);
  gtk_widget_class_bind_template_child (widget_class, FalstaffOutputView, text_view);
  gtk_widget_class_bind_template_child (widget_class, FalstaffOutputView, file_list);
  gtk_widget_class_bind_template_child (widget_class, FalstaffOutputView, copy_text_button);
  gtk_widget_class_bind_template_callback (widget_class, copy_text_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_output_view_init (FalstaffOutputView *self)
{
  g_autofree char *user_agent = g_strdup_printf ("Falstaff/%s", PACKAGE_VERSION);

  gtk_widget_init_template (GTK_WIDGET (self));
  /* Media URLs are fetched without the key: a session that has none. */
  self->session = soup_session_new_with_options ("user-agent", user_agent, "max-conns-per-host", 6, NULL);
  fal_session_guard_redirects (self->session);
  self->cancellable = g_cancellable_new ();
  self->images = g_array_new (FALSE, TRUE, sizeof (ImageInfo));
  self->pictures = g_ptr_array_new ();
  self->media_views = g_ptr_array_new ();
  g_signal_connect (self->gallery, "child-activated", G_CALLBACK (child_activated_cb), self);
}

void
falstaff_output_view_clear (FalstaffOutputView *self)
{
  g_return_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self));

  reset (self);
  /* A new run: the last one's seed and id are not this one's. The
   * endpoint and inputs stay: they are set for the run before it starts. */
  g_clear_pointer (&self->seed, g_free);
  g_clear_pointer (&self->request_id, g_free);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_IMAGES]);
}

void
falstaff_output_view_show (FalstaffOutputView *self,
                           JsonNode           *output)
{
  JsonObject *object;
  JsonArray *images;
  const char *text;

  g_return_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self));

  if (output == NULL || !JSON_NODE_HOLDS_OBJECT (output))
    return;
  object = json_node_get_object (output);
  {
    gint64 seed;

    if (fal_json_get_int (object, "seed", &seed))
      {
        g_free (self->seed);
        self->seed = g_strdup_printf ("%" G_GINT64_FORMAT, seed);
      }
  }

  if ((images = fal_json_get_array (object, "images")) && show_images (self, images))
    return;
  if ((text = fal_json_get_string (object, "output")) != NULL)
    {
      show_text (self, text, NULL);
      return;
    }
  if ((text = fal_json_get_string (object, "text")) != NULL)
    {
      show_text (self, text, fal_json_get_array (object, "chunks"));
      return;
    }
  if (fal_json_get_object (object, "image") && fal_json_get_string (fal_json_get_object (object, "image"), "url"))
    {
      g_autoptr(JsonArray) one = json_array_new ();

      json_array_add_object_element (one, json_object_ref (fal_json_get_object (object, "image")));
      if (show_images (self, one))
        return;
    }
  if (show_files (self, object))
    return;
  /* Progress events and unknown shapes: the JSON tab has them. */
}

const char *
falstaff_output_view_get_kind (FalstaffOutputView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

guint
falstaff_output_view_get_n_images (FalstaffOutputView *self)
{
  guint n = 0;

  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self), 0);
  for (guint i = 0; i < self->images->len; i++)
    n += g_array_index (self->images, ImageInfo, i).loaded;
  return n;
}

gboolean
falstaff_output_view_get_image_size (FalstaffOutputView *self,
                                     guint               index,
                                     int                *width,
                                     int                *height)
{
  ImageInfo *info;

  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self), FALSE);
  if (index >= self->images->len)
    return FALSE;
  info = &g_array_index (self->images, ImageInfo, index);
  if (!info->loaded)
    return FALSE;
  *width = info->width;
  *height = info->height;
  return TRUE;
}

char *
falstaff_output_view_get_text (FalstaffOutputView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self), NULL);
  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
falstaff_output_view_set_context (FalstaffOutputView *self,
                                  const char         *endpoint_id,
                                  const char         *request_id,
                                  JsonNode           *inputs)
{
  g_return_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self));

  /* Another request's result in this view: its seed is not ours. */
  if (self->request_id && g_strcmp0 (request_id, self->request_id) != 0)
    g_clear_pointer (&self->seed, g_free);
  g_free (self->endpoint_id);
  self->endpoint_id = g_strdup (endpoint_id);
  g_free (self->request_id);
  self->request_id = g_strdup (request_id);
  if (inputs)
    {
      g_free (self->inputs_json);
      self->inputs_json = fal_json_to_string (inputs, FALSE);
    }
}

void
falstaff_output_view_set_output_keeper (FalstaffOutputView   *self,
                                        FalstaffOutputKeeper *keeper)
{
  g_return_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self));
  g_return_if_fail (keeper == NULL || FALSTAFF_IS_OUTPUT_KEEPER (keeper));

  if (g_set_object (&self->keeper, keeper))
    g_clear_pointer (&self->gallery_urls, g_free);
}

void
falstaff_output_view_set_run_id (FalstaffOutputView *self,
                                 gint64              run_id)
{
  g_return_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self));

  if (self->run_id == run_id)
    return;
  self->run_id = run_id;
  /* The same URLs of another run may be kept elsewhere: shown again. */
  g_clear_pointer (&self->gallery_urls, g_free);
}

gint64
falstaff_output_view_get_run_id (FalstaffOutputView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self), 0);
  return self->run_id;
}

GPtrArray *
falstaff_output_view_get_media_views (FalstaffOutputView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self), NULL);
  return self->media_views;
}

void
falstaff_output_view_open_image (FalstaffOutputView *self,
                                 guint               index)
{
  GtkFlowBoxChild *child;
  const char *url;

  g_return_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self));

  child = gtk_flow_box_get_child_at_index (self->gallery, index);
  url = child ? g_object_get_data (G_OBJECT (gtk_flow_box_child_get_child (child)), "url") : NULL;
  if (url)
    _falstaff_output_view_open_large (self, url);
}

static void
child_activated_cb (GtkFlowBox         *box,
                    GtkFlowBoxChild    *child,
                    FalstaffOutputView *self)
{
  falstaff_output_view_open_image (self, gtk_flow_box_child_get_index (child));
}

const char *
falstaff_output_view_get_last_notice (FalstaffOutputView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self), NULL);
  return self->last_notice;
}

GtkWidget *
falstaff_output_view_get_copy_text_button (FalstaffOutputView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self), NULL);
  return GTK_WIDGET (self->copy_text_button);
}

GtkWidget *
falstaff_output_view_get_gallery (FalstaffOutputView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_VIEW (self), NULL);
  return GTK_WIDGET (self->gallery);
}

/* ------------------------------------------------------------------ private */

SoupSession *
_falstaff_output_view_get_session (FalstaffOutputView *self)
{
  return self->session;
}

GCancellable *
_falstaff_output_view_get_cancellable (FalstaffOutputView *self)
{
  return self->cancellable;
}

/* The seed of this run: its result's, else the one its inputs asked for. */
char **
_falstaff_output_view_png_text (FalstaffOutputView *self)
{
  g_autofree char *input_seed = NULL;

  if (self->seed == NULL && self->inputs_json)
    {
      g_autoptr(JsonNode) inputs = json_from_string (self->inputs_json, NULL);
      gint64 seed;

      if (inputs && JSON_NODE_HOLDS_OBJECT (inputs) && fal_json_get_int (json_node_get_object (inputs), "seed", &seed))
        input_seed = g_strdup_printf ("%" G_GINT64_FORMAT, seed);
    }
  return falstaff_output_png_text_new (self->endpoint_id, self->request_id,
                                       self->seed ? self->seed : input_seed, self->inputs_json);
}

char *
_falstaff_output_view_local_uri (FalstaffOutputView *self,
                                 const char         *url,
                                 GError            **error)
{
  g_autofree char *kept = NULL;

  if (url == NULL)
    {
      g_set_error_literal (error, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP, _("the link is not valid"));
      return NULL;
    }
  if (!falstaff_output_check_link (url, error))
    return NULL;
  if (self->keeper == NULL || self->run_id <= 0 || url == NULL || g_str_has_prefix (url, "data:"))
    return g_strdup (url);
  kept = falstaff_output_keeper_lookup (self->keeper, self->run_id, url);
  return kept ? g_filename_to_uri (kept, NULL, NULL) : g_strdup (url);
}

void
_falstaff_output_view_notify (FalstaffOutputView *self,
                              const char         *text)
{
  g_free (self->last_notice);
  self->last_notice = g_strdup (text);
  falstaff_output_toast (GTK_WIDGET (self), text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_NOTICE]);
}
