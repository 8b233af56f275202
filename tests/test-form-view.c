/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "falstaff-file-drop.h"
#include "falstaff-file-row.h"
#include "falstaff-form-view.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* The generated form as a newcomer meets it (issue 9): plain words for
 * enum values and titles, "Default" that sends nothing, Tab from control
 * to control, help texts that wrap to the column, errors that go when
 * their cause is fixed, and a name for every control. The real window,
 * real key events (xdotool) and the demo's local fal server. */

/* ------------------------------------------------------------------ helpers */

static FalstaffFormView *
form_view (Studio *studio)
{
  return _falstaff_window_get_form_view (studio->window);
}

static JsonObject *
build_body (Studio *studio)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = fal_form_model_build_body (form_model (studio), &error);

  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (body));
}

static void
settle (void)
{
  gint64 until = g_get_monotonic_time () + 100 * 1000;

  while (g_get_monotonic_time () < until)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static void
collect_labels (GtkWidget *widget,
                GPtrArray *texts,
                gboolean   in_popovers)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_POPOVER (child) && !in_popovers)
        continue;
      if (GTK_IS_LABEL (child) && gtk_widget_get_mapped (child) && *gtk_label_get_text (GTK_LABEL (child)))
        g_ptr_array_add (texts, g_strdup (gtk_label_get_text (GTK_LABEL (child))));
      collect_labels (child, texts, in_popovers);
    }
}

/* What the drop-down's button shows. */
static char *
shown_text (GtkWidget *drop_down)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

  collect_labels (drop_down, texts, FALSE);
  g_assert_cmpuint (texts->len, ==, 1);
  return g_strdup (g_ptr_array_index (texts, 0));
}

static GtkWidget *
find_popover (GtkWidget *drop_down)
{
  for (GtkWidget *child = gtk_widget_get_first_child (drop_down); child; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER (child))
      return child;
  return NULL;
}

/* The list items of an open drop-down: "label\ttooltip", in order. */
static void
collect_items (GtkWidget *widget,
               GPtrArray *items)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      const char *tooltip = gtk_widget_get_tooltip_text (child);
      GtkWidget *first = gtk_widget_get_first_child (child);

      if (tooltip && first && GTK_IS_LABEL (first) && gtk_widget_get_mapped (child))
        g_ptr_array_add (items, g_strdup_printf ("%s\t%s", gtk_label_get_text (GTK_LABEL (first)), tooltip));
      else
        collect_items (child, items);
    }
}

static gboolean
popover_filled (gpointer data)
{
  GtkWidget *popover = find_popover (data);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);

  if (popover == NULL || !gtk_widget_get_mapped (popover))
    return FALSE;
  collect_items (popover, items);
  return items->len > 0;
}

/* As a person scrolls the form to a control before using it. */
static void
scroll_into_view (GtkWidget *widget)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;
  graphene_point_t point;

  g_assert_nonnull (scroller);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_assert_true (gtk_widget_compute_point (widget, scroller, &GRAPHENE_POINT_INIT (0, 0), &point));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + point.y - 100);
  settle ();
}

/* Opens the list as a click would, and reads what it shows. */
static GPtrArray *
list_items (GtkWidget *drop_down)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *popover;

  scroll_into_view (drop_down);
  g_signal_emit_by_name (drop_down, "activate");
  g_assert_true (falstaff_test_wait_until (popover_filled, drop_down, 5000));
  settle ();
  popover = find_popover (drop_down);
  collect_items (popover, items);
  gtk_popover_popdown (GTK_POPOVER (popover));
  settle ();
  return items;
}

static void
assert_items (GtkWidget          *drop_down,
              const char * const *expected)
{
  g_autoptr(GPtrArray) items = list_items (drop_down);

  g_assert_cmpuint (items->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < items->len; i++)
    g_assert_cmpstr (g_ptr_array_index (items, i), ==, expected[i]);
}

/* The position of the item whose raw value is text. */
static guint
raw_index (GtkWidget  *drop_down,
           const char *text)
{
  GListModel *items = gtk_drop_down_get_model (GTK_DROP_DOWN (drop_down));

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (items, i);

      if (g_str_equal (gtk_string_object_get_string (item), text))
        return i;
    }
  g_assert_not_reached ();
}

static void
expand_advanced (Studio *studio)
{
  GtkWidget *expander = falstaff_form_view_get_advanced_expander (form_view (studio));

  g_assert_nonnull (expander);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
  settle ();
}

static void
write_picture (const char *path,
               int         width,
               int         height)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guchar *pixels = g_malloc ((gsize) width * height * 4);

  for (int i = 0; i < width * height; i++)
    {
      pixels[i * 4] = (guchar) (i % width);
      pixels[i * 4 + 1] = 120;
      pixels[i * 4 + 2] = (guchar) (i / width);
      pixels[i * 4 + 3] = 255;
    }
  bytes = g_bytes_new_take (pixels, (gsize) width * height * 4);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, (gsize) width * 4);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static FalstaffFileRow *
file_row (Studio     *studio,
          const char *field)
{
  GtkWidget *row = falstaff_form_view_get_row (form_view (studio), field);

  g_assert_true (FALSTAFF_IS_FILE_ROW (row));
  return FALSTAFF_FILE_ROW (row);
}

static void
drop_picture (Studio     *studio,
              const char *field,
              const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (&file, 1));
  g_assert_true (falstaff_file_row_add_value (file_row (studio, field), &value));
}

static gboolean
row_idle (gpointer data)
{
  return !falstaff_file_row_get_busy (data);
}

/* A rule for the demo's local server (docs/local-server.md §9.2). */
static void
add_fault (Studio     *studio,
           const char *method,
           const char *path,
           const char *fault)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (falstaff_session_get_demo_url (studio->session), "/__control/faults", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) rule = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  /* The control routes refuse requests without it (403). */
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "fault");
  json_builder_add_string_value (builder, fault);
  json_builder_end_object (builder);
  rule = json_builder_get_root (builder);
  text = json_to_string (rule, FALSE);
  body = g_bytes_new (text, strlen (text));
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  /* Blocking is fine here: the server runs in a thread of its own. */
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 201);
}

/* ------------------------------------------------------------------ plain words */

static void
test_plain_words (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(JsonObject) body = NULL;
  GtkWidget *size, *format, *model;
  g_autofree char *shown = NULL;
  g_autofree char *shown_format = NULL;
  g_autofree char *shown_model = NULL;
  g_autoptr(GPtrArray) llm_items = NULL;
  const char * const sizes[] = {
    "Square HD\tsquare_hd", "Square\tsquare", "Portrait 4:3\tportrait_4_3", "Portrait 16:9\tportrait_16_9",
    "Landscape 4:3\tlandscape_4_3", "Landscape 16:9\tlandscape_16_9", "Custom\tWidth × height in pixels", NULL,
  };
  const char * const formats[] = { "JPEG\tjpeg", "PNG\tpng", NULL };

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  expand_advanced (studio);

  /* Text-to-image's size: its default shown as people write it, the raw
   * value in the tooltip. */
  size = row_control (studio, "image_size");
  shown = shown_text (size);
  g_assert_cmpstr (shown, ==, "Square HD");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (size), ==, "square_hd");
  assert_items (size, sizes);
  format = row_control (studio, "format");
  shown_format = shown_text (format);
  g_assert_cmpstr (shown_format, ==, "JPEG");
  assert_items (format, formats);

  /* Titles: acronyms right, the field's name in the tooltip. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (falstaff_form_view_get_row_label (form_view (studio), "loras", FALSTAFF_FORM_ROW_TITLE))),
                   ==, "LoRAs");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (falstaff_form_view_get_row_label (form_view (studio), "loras", FALSTAFF_FORM_ROW_TITLE)),
                   ==, "loras");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row_control (studio, "loras")), GTK_ACCESSIBLE_PROPERTY_LABEL, "LoRAs");

  /* Chosen by what it shows, sent as the schema spells it. */
  type_text (row_control (studio, "prompt"), "a fox");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (format), raw_index (format, "png"));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (size), raw_index (size, "landscape_16_9"));
  g_free (shown);
  shown = shown_text (size);
  g_assert_cmpstr (shown, ==, "Landscape 16:9");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (size), ==, "landscape_16_9");
  body = build_body (studio);
  g_assert_cmpstr (json_object_get_string_member (body, "format"), ==, "png");
  g_assert_cmpstr (json_object_get_string_member (body, "image_size"), ==, "landscape_16_9");

  /* Model names are already people's words: left as they are. */
  pick_endpoint (studio, "any-llm");
  model = row_control (studio, "model");
  shown_model = shown_text (model);
  g_assert_cmpstr (shown_model, ==, "google/gemini-flash-1.5");
  llm_items = list_items (model);
  g_assert_cmpuint (llm_items->len, >=, 3);
  for (guint i = 0; i < llm_items->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (llm_items, i), "\t", 2);

      g_assert_cmpstr (parts[0], ==, parts[1]);
      g_assert_nonnull (strchr (parts[0], '/'));
    }

  /* A file field's title. */
  pick_endpoint (studio, "image-to-image");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (file_row (studio, "image_url")), GTK_ACCESSIBLE_PROPERTY_LABEL, "Image URL");
}

/* ------------------------------------------------------------------ Default */

static gboolean
images_back (gpointer data)
{
  Studio *studio = data;
  FalRequest *request = falstaff_window_get_request (studio->window);

  return request && !falstaff_window_is_running (studio->window) && fal_request_get_result (request);
}

static void
test_default_choice (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "falstaff-form-default.png", NULL);
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(JsonNode) url = json_from_string ("\"https://example.com/talk.wav\"", NULL);
  JsonObject *image;
  GtkWidget *size, *speakers;

  write_picture (path, 320, 200);
  start_demo (studio);
  pick_endpoint (studio, "image-to-image");

  /* Optional and nullable: "Default", first, chosen, and nothing sent. */
  size = row_control (studio, "image_size");
  shown = shown_text (size);
  g_assert_cmpstr (shown, ==, "Default");
  items = list_items (size);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (items, 0), "Default\t"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (items, 1), "Square HD\t"));
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_next_sibling (size)));   /* no width × height */

  type_text (row_control (studio, "prompt"), "as a watercolour");
  drop_picture (studio, "image_url", path);
  g_assert_true (falstaff_test_wait_until (row_idle, file_row (studio, "image_url"), 20000));
  body = build_body (studio);
  g_assert_false (json_object_has_member (body, "image_size"));
  g_clear_pointer (&body, json_object_unref);

  /* The run agrees: no size sent, the picture's own size comes back. */
  run (studio);
  g_assert_true (falstaff_test_wait_until (images_back, studio, 60000));
  image = json_array_get_object_element (json_object_get_array_member (json_node_get_object (fal_request_get_result (falstaff_window_get_request (studio->window))), "images"), 0);
  g_assert_cmpint (json_object_get_int_member (image, "width"), ==, 320);
  g_assert_cmpint (json_object_get_int_member (image, "height"), ==, 200);

  /* Square HD shows as chosen and is sent. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (size), raw_index (size, "square_hd"));
  g_clear_pointer (&shown, g_free);
  shown = shown_text (size);
  g_assert_cmpstr (shown, ==, "Square HD");
  body = build_body (studio);
  g_assert_cmpstr (json_object_get_string_member (body, "image_size"), ==, "square_hd");
  g_clear_pointer (&body, json_object_unref);

  /* Saved values come back chosen: away and back again. */
  pick_endpoint (studio, "fast-sdxl");
  pick_endpoint (studio, "image-to-image");
  size = row_control (studio, "image_size");
  g_clear_pointer (&shown, g_free);
  shown = shown_text (size);
  g_assert_cmpstr (shown, ==, "Square HD");
  body = build_body (studio);
  g_assert_cmpstr (json_object_get_string_member (body, "image_size"), ==, "square_hd");
  g_clear_pointer (&body, json_object_unref);

  /* And "Default" chosen again is kept as nothing sent. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (size), raw_index (size, ""));
  pick_endpoint (studio, "fast-sdxl");
  pick_endpoint (studio, "image-to-image");
  size = row_control (studio, "image_size");
  g_clear_pointer (&shown, g_free);
  shown = shown_text (size);
  g_assert_cmpstr (shown, ==, "Default");
  body = build_body (studio);
  g_assert_false (json_object_has_member (body, "image_size"));
  g_clear_pointer (&body, json_object_unref);

  /* Custom shows its sides and sends them. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (size), raw_index (size, "custom"));
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_next_sibling (size)));
  body = build_body (studio);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (body, "image_size")));
  g_clear_pointer (&body, json_object_unref);

  /* Whisper's language: nullable, no default. */
  pick_endpoint (studio, "whisper");
  g_clear_pointer (&shown, g_free);
  shown = shown_text (row_control (studio, "language"));
  g_assert_cmpstr (shown, ==, "Default");

  /* A number without a default: "Default" checked, the number greyed
   * out, nothing sent; unchecked, the number shown is the one sent. */
  speakers = row_control (studio, "num_speakers");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (gtk_widget_get_prev_sibling (speakers))));
  g_assert_false (gtk_widget_is_sensitive (speakers));
  fal_form_model_set_value (form_model (studio), "audio_url", url);
  body = build_body (studio);
  g_assert_false (json_object_has_member (body, "num_speakers"));
  g_assert_false (json_object_has_member (body, "language"));
  g_clear_pointer (&body, json_object_unref);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_prev_sibling (speakers)), FALSE);
  g_assert_true (gtk_widget_is_sensitive (speakers));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (speakers), 3);
  body = build_body (studio);
  g_assert_cmpint (json_object_get_int_member (body, "num_speakers"), ==, 3);
  g_unlink (path);
}

/* ------------------------------------------------------------------ Tab */

typedef struct {
  GtkWidget *widget;       /* focus lands on it or inside it */
  GtkWidget *outside;      /* … but not inside this (the expander's rows) */
  char *what;
} Stop;

static void
stop_free (gpointer data)
{
  Stop *stop = data;

  g_free (stop->what);
  g_free (stop);
}

static void
add_stop (GPtrArray  *stops,
          GtkWidget  *widget,
          GtkWidget  *outside,
          const char *what)
{
  Stop *stop = g_new0 (Stop, 1);

  stop->widget = widget;
  stop->outside = outside;
  stop->what = g_strdup (what);
  g_ptr_array_add (stops, stop);
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *action)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action) == 0 &&
          gtk_widget_get_mapped (child))
        return child;
      if ((found = find_button (child, action)))
        return found;
    }
  return NULL;
}

static void
add_field_stops (Studio    *studio,
                 GPtrArray *stops,
                 const char *name)
{
  GtkWidget *control = row_control (studio, name);
  FalFormField *field = fal_form_model_get_field (form_model (studio), name);

  switch (fal_form_field_get_kind (field))
    {
    case FAL_FIELD_SEED:
    case FAL_FIELD_INTEGER:
    case FAL_FIELD_NUMBER:
      /* "Random" or "Default" first, then the number when it is in use. */
      if (GTK_IS_CHECK_BUTTON (gtk_widget_get_prev_sibling (control)))
        add_stop (stops, gtk_widget_get_prev_sibling (control), NULL, name);
      if (gtk_widget_is_sensitive (control))
        add_stop (stops, control, NULL, name);
      break;
    case FAL_FIELD_FILE:
    case FAL_FIELD_FILE_LIST:
      add_stop (stops, find_button (control, "file-row.paste"), NULL, name);
      add_stop (stops, find_button (control, "file-row.choose"), NULL, name);
      break;
    default:
      add_stop (stops, control, NULL, name);
      break;
    }
}

/* The controls in the order Tab should visit them: the basic fields,
 * the Advanced expander, the advanced fields. */
static GPtrArray *
tab_stops (Studio *studio)
{
  GPtrArray *stops = g_ptr_array_new_with_free_func (stop_free);
  FalFormModel *model = form_model (studio);
  GtkWidget *expander = falstaff_form_view_get_advanced_expander (form_view (studio));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  for (int advanced = 0; advanced < 2; advanced++)
    {
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (model), i);
          const char *name = fal_form_field_get_name (field);
          gboolean is_advanced = fal_form_field_get_advanced (field) && !fal_form_field_get_required (field);

          if (is_advanced != advanced)
            continue;
          if (advanced && expander)
            {
              /* The expander's header, not a row inside it; then its
               * rows, when it is open. */
              add_stop (stops, expander, gtk_widget_get_parent (falstaff_form_view_get_field_row (form_view (studio), name)),
                        "Advanced");
              expander = NULL;
            }
          if (!advanced || adw_expander_row_get_expanded (ADW_EXPANDER_ROW (falstaff_form_view_get_advanced_expander (form_view (studio)))))
            add_field_stops (studio, stops, name);
        }
    }
  return stops;
}

static gboolean
focus_on (GtkWidget *focus,
          Stop      *stop)
{
  return focus && (focus == stop->widget || gtk_widget_is_ancestor (focus, stop->widget)) &&
         !(stop->outside && gtk_widget_is_ancestor (focus, stop->outside));
}

typedef struct {
  GtkWindow *window;
  Stop *stop;
} FocusWait;

static gboolean
focus_arrived (gpointer data)
{
  FocusWait *wait = data;

  return focus_on (gtk_window_get_focus (wait->window), wait->stop);
}

static char *
describe (GtkWidget *widget)
{
  GString *text = g_string_new (NULL);

  for (GtkWidget *w = widget; w; w = gtk_widget_get_parent (w))
    {
      if (g_object_get_data (G_OBJECT (w), "field-name"))
        g_string_append_printf (text, "%s[%s] < ", G_OBJECT_TYPE_NAME (w), (char *) g_object_get_data (G_OBJECT (w), "field-name"));
      else if (w == widget)
        g_string_append_printf (text, "%s < ", G_OBJECT_TYPE_NAME (w));
    }
  return g_string_free (text, FALSE);
}

/* Tab, pressed as a person presses it, from each control to the next. */
static void
walk_tabs (Studio *studio)
{
  g_autoptr(GPtrArray) stops = tab_stops (studio);
  Stop *first = g_ptr_array_index (stops, 0);

  gtk_widget_grab_focus (first->widget);
  settle ();
  g_assert_true (focus_on (gtk_window_get_focus (GTK_WINDOW (studio->window)), first));
  for (guint i = 0; i + 1 < stops->len; i++)
    {
      Stop *from = g_ptr_array_index (stops, i);
      FocusWait wait = { GTK_WINDOW (studio->window), g_ptr_array_index (stops, i + 1) };
      GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (studio->window));

      falstaff_test_press_keys (focus, "Tab");
      if (!falstaff_test_wait_until (focus_arrived, &wait, 3000))
        {
          g_autofree char *where = describe (gtk_window_get_focus (GTK_WINDOW (studio->window)));

          g_error ("Tab from %s went to %s, not to %s", from->what, where, wait.stop->what);
        }
    }
}

static void
test_tab_order (void)
{
  g_autoptr(Studio) studio = studio_new ();

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  expand_advanced (studio);
  walk_tabs (studio);

  /* A file field's buttons, and a seed whose number is in use. */
  pick_endpoint (studio, "image-to-image");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_prev_sibling (row_control (studio, "seed"))), FALSE);
  expand_advanced (studio);
  walk_tabs (studio);

  /* A number with "Default", and one in use; Advanced left closed. */
  pick_endpoint (studio, "whisper");
  walk_tabs (studio);
  expand_advanced (studio);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_prev_sibling (row_control (studio, "num_speakers"))), FALSE);
  walk_tabs (studio);
}

/* The folded Advanced rows are hidden, so no layout measures them (GTK
 * 4.8's revealer would, folded or not: issue 16), until first unfolded;
 * then they show and fold as any expander's rows. */
static void
test_advanced_folded (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalFormModel *model;
  GtkWidget *expander;
  GtkWidget *row = NULL;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  model = form_model (studio);
  for (guint i = 0; row == NULL && i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (fal_form_field_get_advanced (field) && !fal_form_field_get_required (field))
        row = falstaff_form_view_get_field_row (form_view (studio), fal_form_field_get_name (field));
    }
  g_assert_nonnull (row);
  expander = falstaff_form_view_get_advanced_expander (form_view (studio));
  g_assert_true (gtk_widget_is_ancestor (row, expander));
  settle ();
  g_assert_false (gtk_widget_is_visible (row));

  expand_advanced (studio);
  g_assert_true (gtk_widget_is_visible (row));
  g_assert_true (gtk_widget_get_mapped (row));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), FALSE);
  settle ();
  expand_advanced (studio);
  g_assert_true (gtk_widget_get_mapped (row));
}

/* ------------------------------------------------------------------ wrapping and widths */

/* Every description fills its row and wraps into a sensible number of
 * lines: never a word a line. */
static void
assert_descriptions_wrap (Studio *studio)
{
  FalFormModel *model = form_model (studio);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  guint checked = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (model), i);
      const char *name = fal_form_field_get_name (field);
      GtkWidget *label = falstaff_form_view_get_row_label (form_view (studio), name, FALSTAFF_FORM_ROW_DESCRIPTION);
      GtkWidget *row = falstaff_form_view_get_field_row (form_view (studio), name);
      PangoLayout *layout;
      g_autoptr(PangoLayout) one_line = NULL;
      int text_width, label_width, lines, words;

      if (label == NULL || !gtk_widget_get_mapped (label))
        continue;
      label_width = gtk_widget_get_width (label);
      /* The row's width less its 12 px margins on each side. */
      g_assert_cmpint (label_width, >=, gtk_widget_get_width (row) - 24 - 2);
      layout = gtk_label_get_layout (GTK_LABEL (label));
      lines = pango_layout_get_line_count (layout);
      one_line = pango_layout_copy (layout);
      pango_layout_set_width (one_line, -1);
      pango_layout_get_pixel_size (one_line, &text_width, NULL);
      words = 1;
      for (const char *p = gtk_label_get_text (GTK_LABEL (label)); *p; p++)
        words += *p == ' ';
      /* Room for breaks at word ends, and no more. */
      g_assert_cmpint (lines, <=, (int) ceil ((double) text_width / label_width) + 1 + text_width / label_width / 3);
      if (words > 4)
        g_assert_cmpint (lines, <, words / 2 + 1);
      checked++;
    }
  g_assert_cmpuint (checked, >=, 5);
}

static void
test_wrap_narrow (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *shot = NULL;

  gtk_window_set_default_size (GTK_WINDOW (studio->window), 360, 700);
  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  expand_advanced (studio);
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "form-narrow");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (studio->window)), <=, 400);
  assert_descriptions_wrap (studio);
}

static void
test_wrap_wide (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *shot = NULL;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  expand_advanced (studio);
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "form-wide");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (studio->window)), >=, 1100);
  assert_descriptions_wrap (studio);
}

static gboolean
row_has_error (gpointer data)
{
  void **args = data;

  return falstaff_form_view_get_row_error (args[0], args[1]) != NULL;
}

static void
measure_width (GtkWidget *widget,
               int       *minimum,
               int       *natural)
{
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, minimum, natural, NULL, NULL);
}

#define LONG_422 \
  "{\"detail\": [{\"loc\": [\"body\", \"safety_checker_version\"], " \
  "\"msg\": \"Input should be 'v1' or 'v2' for safety_checker_version_of_the_model_in_use_here_and_now_please_check\", " \
  "\"type\": \"literal_error\"}]}"

/* A 422 on a field with a long name: the row says so, and the form asks
 * for no more width than before, so its column keeps its width. */
static void
test_error_keeps_width (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(JsonNode) detail = json_from_string (LONG_422, NULL);
  g_autofree char *fault = g_strconcat ("status=422; body=", LONG_422, NULL);
  g_autofree char *shot = NULL;
  GtkWidget *form;
  GtkWidget *error_label;
  int min_before, nat_before, min_after, nat_after, width, before;
  void *args[2];

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  form = GTK_WIDGET (form_view (studio));
  type_text (row_control (studio, "prompt"), "a lighthouse");
  settle ();
  measure_width (form, &min_before, &nat_before);
  before = gtk_widget_get_width (form);

  /* The server's answer, through the window. */
  add_fault (studio, "POST", "fal-ai/fast-sdxl", fault);
  run (studio);
  args[0] = form_view (studio);
  args[1] = (gpointer) "safety_checker_version";
  g_assert_true (falstaff_test_wait_until (row_has_error, args, 30000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 30000));
  settle ();

  /* The row is under Advanced: it opens to show its error, whole. */
  error_label = falstaff_form_view_get_row_label (form_view (studio), "safety_checker_version", FALSTAFF_FORM_ROW_ERROR);
  g_assert_true (gtk_widget_get_mapped (error_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "safety_checker_version_of_the_model"));
  g_assert_cmpint (gtk_widget_get_width (error_label), <=, gtk_widget_get_width (form));
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "form-error-width");
  measure_width (form, &min_after, &nat_after);
  g_assert_cmpint (min_after, ==, min_before);
  g_assert_cmpint (nat_after, ==, nat_before);
  /* The whole window agrees: the request pane's status and error did
   * not take the form's width either. */
  g_assert_cmpint (gtk_widget_get_width (form), ==, before);

  /* With the rest of the window as it is, the error coming and going
   * leaves the column as wide as it was. */
  falstaff_form_view_show_errors (form_view (studio), NULL);
  settle ();
  width = gtk_widget_get_width (form);
  g_assert_false (gtk_widget_get_visible (error_label));
  falstaff_form_view_show_errors (form_view (studio), json_object_get_array_member (json_node_get_object (detail), "detail"));
  settle ();
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_cmpint (gtk_widget_get_width (form), ==, width);
}

/* ------------------------------------------------------------------ errors go */

static gboolean
no_row_error (gpointer data)
{
  void **args = data;

  return falstaff_form_view_get_row_error (args[0], args[1]) == NULL;
}

static void
test_edit_clears_error (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *prompt, *steps;
  void *args[2];

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  args[0] = form_view (studio);

  /* Refused before sending: the prompt is empty. One key fixes it. */
  prompt = row_control (studio, "prompt");
  type_text (prompt, "");
  run (studio);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 5000));
  g_assert_nonnull (falstaff_form_view_get_row_error (form_view (studio), "prompt"));
  g_assert_true (gtk_widget_get_visible (falstaff_form_view_get_row_label (form_view (studio), "prompt", FALSTAFF_FORM_ROW_ERROR)));
  falstaff_test_press_keys (prompt, "a");
  args[1] = (gpointer) "prompt";
  g_assert_true (falstaff_test_wait_until (no_row_error, args, 3000));
  g_assert_false (gtk_widget_get_visible (falstaff_form_view_get_row_label (form_view (studio), "prompt", FALSTAFF_FORM_ROW_ERROR)));

  /* The server's 422 on a number: the first digit typed answers it,
   * before the spin button takes the value. */
  add_fault (studio, "POST", "fal-ai/fast-sdxl",
             "status=422; body={\"detail\": [{\"loc\": [\"body\", \"num_images\"], \"msg\": \"Too many for this account\", \"type\": \"value_error\"}]}");
  gtk_widget_grab_focus (GTK_WIDGET (studio->window));
  run (studio);
  args[1] = (gpointer) "num_images";
  g_assert_true (falstaff_test_wait_until (row_has_error, args, 30000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 30000));
  steps = row_control (studio, "num_images");
  falstaff_test_press_keys (steps, "End BackSpace 2");
  g_assert_true (falstaff_test_wait_until (no_row_error, args, 3000));
  g_assert_false (gtk_widget_get_visible (falstaff_form_view_get_row_label (form_view (studio), "num_images", FALSTAFF_FORM_ROW_ERROR)));
}

static gboolean
row_failed (gpointer data)
{
  return falstaff_file_row_get_failed (data);
}

static void
test_retry_clears_error (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "falstaff-form-retry.png", NULL);
  FalstaffFileRow *row;
  GtkWidget *retry;
  void *args[2];

  write_picture (path, 64, 48);
  start_demo (studio);
  pick_endpoint (studio, "image-to-image");
  type_text (row_control (studio, "prompt"), "as a charcoal sketch");
  row = file_row (studio, "image_url");

  /* The upload fails once. */
  add_fault (studio, "PUT", "^/cdn/upload", "status=500");
  drop_picture (studio, "image_url", path);
  g_assert_true (falstaff_test_wait_until (row_failed, row, 20000));
  g_assert_nonnull (falstaff_file_row_get_item_error (row, 0));

  /* Run anyway: the field has no file, and says so. */
  run (studio);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 10000));
  g_assert_nonnull (falstaff_form_view_get_row_error (form_view (studio), "image_url"));
  g_assert_nonnull (falstaff_file_row_get_message (row));

  /* Retry, by a click on the item's button: the error goes, the file
   * uploads, the field has its URL. */
  retry = find_button (GTK_WIDGET (row), "file-row.retry");
  g_assert_nonnull (retry);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (retry), GTK_ACCESSIBLE_PROPERTY_LABEL, "Retry uploading image for Image URL");
  falstaff_test_click (retry);
  args[0] = form_view (studio);
  args[1] = (gpointer) "image_url";
  g_assert_true (falstaff_test_wait_until (no_row_error, args, 3000));
  g_assert_true (falstaff_test_wait_until (row_idle, row, 20000));
  g_assert_false (falstaff_file_row_get_failed (row));
  g_assert_null (falstaff_file_row_get_item_error (row, 0));
  g_assert_null (falstaff_file_row_get_message (row));
  g_assert_null (falstaff_form_view_get_row_error (form_view (studio), "image_url"));
  g_assert_nonnull (fal_form_model_get_value (form_model (studio), "image_url"));
  g_unlink (path);
}

/* ------------------------------------------------------------------ accessible names */

static gboolean
has_name (GtkWidget *widget)
{
  return gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL) ||
         gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

/* Every widget Tab can reach has a name. A text inside an entry or a
 * spin button has no role of its own: its control's name is spoken.
 * Returns how many were checked. */
static guint
assert_named (GtkWidget *widget)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_mapped (child))
        continue;
      if (gtk_widget_get_focusable (child))
        {
          GtkWidget *named = child;

          while (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (named)) == GTK_ACCESSIBLE_ROLE_NONE &&
                 gtk_widget_get_parent (named))
            named = gtk_widget_get_parent (named);
          if (!has_name (named))
            {
              g_autofree char *where = describe (child);

              g_error ("No accessible name: %s", where);
            }
          n++;
          /* Focus stays on a button: what it holds is never reached. */
          if (GTK_IS_BUTTON (child))
            continue;
        }
      n += assert_named (child);
    }
  return n;
}

static void
test_accessible_names (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "falstaff-form-names.png", NULL);
  g_autofree char *shot = NULL;
  GtkWidget *expander;

  write_picture (path, 64, 48);
  start_demo (studio);

  pick_endpoint (studio, "fast-sdxl");
  expand_advanced (studio);
  g_assert_cmpuint (assert_named (GTK_WIDGET (form_view (studio))), >=, 14);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row_control (studio, "image_size")), GTK_ACCESSIBLE_PROPERTY_LABEL, "Image Size");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row_control (studio, "prompt")), GTK_ACCESSIBLE_PROPERTY_LABEL, "Prompt");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row_control (studio, "num_images")), GTK_ACCESSIBLE_PROPERTY_LABEL, "Num Images");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row_control (studio, "guidance_scale")), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Guidance scale (CFG)");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row_control (studio, "enable_safety_checker")), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Enable Safety Checker");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (gtk_widget_get_prev_sibling (row_control (studio, "seed"))),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Random Seed");
  expander = falstaff_form_view_get_advanced_expander (form_view (studio));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (expander), GTK_ACCESSIBLE_PROPERTY_LABEL, "Advanced");

  /* A custom size's sides. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (row_control (studio, "image_size")), raw_index (row_control (studio, "image_size"), "custom"));
  settle ();
  assert_named (GTK_WIDGET (form_view (studio)));

  pick_endpoint (studio, "image-to-image");
  drop_picture (studio, "image_url", path);
  g_assert_true (falstaff_test_wait_until (row_idle, file_row (studio, "image_url"), 20000));
  expand_advanced (studio);
  settle ();
  assert_named (GTK_WIDGET (form_view (studio)));
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "form-image-to-image");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (find_button (GTK_WIDGET (file_row (studio, "image_url")), "file-row.remove")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Remove image for Image URL");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (find_button (GTK_WIDGET (file_row (studio, "image_url")), "file-row.choose")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Choose image for Image URL");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (find_button (GTK_WIDGET (file_row (studio, "image_url")), "file-row.paste")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Paste image for Image URL");

  pick_endpoint (studio, "whisper");
  expand_advanced (studio);
  assert_named (GTK_WIDGET (form_view (studio)));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (find_button (GTK_WIDGET (file_row (studio, "audio_url")), "file-row.choose")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Choose audio file for Audio URL");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (row_control (studio, "language")), GTK_ACCESSIBLE_PROPERTY_LABEL, "Language");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (gtk_widget_get_prev_sibling (row_control (studio, "num_speakers"))),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Default Num Speakers");
  g_unlink (path);
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/form-view/plain-words", test_plain_words);
  g_test_add_func ("/ui/form-view/default-choice", test_default_choice);
  g_test_add_func ("/ui/form-view/tab-order", test_tab_order);
  g_test_add_func ("/ui/form-view/advanced-folded", test_advanced_folded);
  g_test_add_func ("/ui/form-view/wrap-narrow", test_wrap_narrow);
  g_test_add_func ("/ui/form-view/wrap-wide", test_wrap_wide);
  g_test_add_func ("/ui/form-view/error-keeps-width", test_error_keeps_width);
  g_test_add_func ("/ui/form-view/edit-clears-error", test_edit_clears_error);
  g_test_add_func ("/ui/form-view/retry-clears-error", test_retry_clears_error);
  g_test_add_func ("/ui/form-view/accessible-names", test_accessible_names);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
