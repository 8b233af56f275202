/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The endpoint picker searching fal's catalog (the local server's 121
 * models) in the real window: typed with real keys, paged by scrolling,
 * thumbnails of the rows in view, a picked model's form from the
 * inlined OpenAPI document, the deprecated tag, and the offline line. */
#include "config.h"

#include <string.h>

#include "falstaff-catalog.h"
#include "falstaff-endpoint-picker.h"
#include "falstaff-picker-item.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

static const char *
server_url (void)
{
  return fal_local_server_get_url (studio_fixture_get_keyed_server ());
}

/* The server answers from a thread of its own: blocking calls are fine. */
static JsonNode *
server_call (const char *method,
             const char *path)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server_url (), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) body = NULL;

  /* The control routes refuse requests without it (403). */
  if (strstr (path, "/__control/"))
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  body = soup_session_send_and_read (session, msg, NULL, NULL);
  if (body == NULL || g_bytes_get_size (body) == 0)
    return NULL;
  return json_from_string (g_bytes_get_data (body, NULL), NULL);
}

static void
clear_log (void)
{
  g_autoptr(JsonNode) ignored = server_call ("DELETE", "/__control/requests");
}

/* Requests the server saw whose path starts with prefix; queries (the raw
 * query strings) go to queries when given. */
static guint
count_requests (const char *prefix,
                GPtrArray  *queries)
{
  g_autoptr(JsonNode) log = server_call ("GET", "/__control/requests");
  JsonArray *entries = json_node_get_array (log);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (!g_str_has_prefix (json_object_get_string_member (entry, "path"), prefix))
        continue;
      n++;
      if (queries)
        g_ptr_array_add (queries, g_strdup (json_object_get_string_member_with_default (entry, "query", "")));
    }
  return n;
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (g_object_get_data (G_OBJECT (widget), "thumb") && gtk_widget_get_mapped (widget))
    g_ptr_array_add (rows, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

static gboolean is_list_view (GtkWidget *w) { return GTK_IS_LIST_VIEW (w); }
static gboolean is_status (GtkWidget *w) { return GTK_IS_LABEL (w) && gtk_widget_has_css_class (w, "picker-status"); }

static FalstaffEndpointPicker *
picker_of (Studio *studio)
{
  return _falstaff_window_get_picker (studio->window);
}

static GtkListView *
list_view_of (Studio *studio)
{
  return GTK_LIST_VIEW (falstaff_test_find_descendant (GTK_WIDGET (picker_of (studio)), is_list_view));
}

/* The endpoint ids the list shows, in order. */
static GPtrArray *
listed_ids (Studio *studio)
{
  GListModel *items = G_LIST_MODEL (gtk_list_view_get_model (list_view_of (studio)));
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (items, i);

      if (!falstaff_picker_item_is_header (item))
        g_ptr_array_add (ids, g_strdup (falstaff_picker_item_get_title (item)));
    }
  return ids;
}

static guint
n_listed (Studio *studio)
{
  g_autoptr(GPtrArray) ids = listed_ids (studio);

  return ids->len;
}

static gboolean
has_rows (gpointer data)
{
  return n_listed (data) > 0;
}

static Studio *
studio_with_key (void)
{
  Studio *studio = studio_new ();

  enter_key (studio, "test:key");
  g_assert_true (falstaff_test_wait_until (has_rows, studio, 10000));
  falstaff_test_iterate_for (300);
  return studio;
}

static gboolean
in_builtin (const char *id)
{
  static FalstaffCatalog *builtin;

  if (builtin == NULL)
    builtin = falstaff_catalog_new (NULL);
  return falstaff_catalog_lookup (builtin, id) != NULL;
}

typedef struct {
  Studio *studio;
  const char *word;
} Shows;

/* Every listed id has the word, and one of them is not in the built-in list. */
static gboolean
shows_only (gpointer data)
{
  Shows *shows = data;
  g_autoptr(GPtrArray) ids = listed_ids (shows->studio);
  gboolean beyond = FALSE;

  for (guint i = 0; i < ids->len; i++)
    {
      if (strstr (ids->pdata[i], shows->word) == NULL)
        return FALSE;
      beyond = beyond || !in_builtin (ids->pdata[i]);
    }
  return ids->len > 0 && beyond;
}

static gboolean
thumbnail_shown (gpointer data)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_rows (GTK_WIDGET (list_view_of (data)), rows);
  for (guint i = 0; i < rows->len; i++)
    if (gtk_picture_get_paintable (g_object_get_data (rows->pdata[i], "thumb")))
      return TRUE;
  return FALSE;
}

/* A tooltip as the picker's rows have them (asked for when shown, see
 * falstaff_tooltip_set_text): one to show, and the same words as the accessible
 * description, as gtk_widget_set_tooltip_text() would give. */
static gboolean
has_tooltip (GtkWidget  *widget,
             const char *text)
{
  g_autofree char *differs = NULL;

  if (!gtk_widget_get_has_tooltip (widget))
    return FALSE;
  differs = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text);
  return differs == NULL;
}

/* The bound row of that id (its tooltip is the id when it has a name). */
static GtkWidget *
row_of (Studio     *studio,
        const char *id)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_rows (GTK_WIDGET (list_view_of (studio)), rows);
  for (guint i = 0; i < rows->len; i++)
    if (has_tooltip (rows->pdata[i], id))
      return rows->pdata[i];
  return NULL;
}

/* Typed with real keys: one search for the final text (the debounce),
 * models beyond the built-in list, thumbnails of the rows in view only,
 * and a picked model's form without a request for its OpenAPI document. */
static void
test_search_typed (void)
{
  g_autoptr(Studio) studio = studio_with_key ();
  GtkWidget *search = falstaff_endpoint_picker_get_search_entry (picker_of (studio));
  g_autoptr(GPtrArray) queries = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) ids = NULL;
  Shows shows = { studio, "kling" };
  g_autofree char *shot = NULL;
  g_autofree char *picked = NULL;
  guint searches = 0, thumbnails;

  clear_log ();
  falstaff_test_press_keys (search, "k l i n g");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (search)), ==, "kling");
  g_assert_true (falstaff_test_wait_until (shows_only, &shows, 10000));
  falstaff_test_iterate_for (400);

  count_requests ("/api/v1/models", queries);
  for (guint i = 0; i < queries->len; i++)
    {
      g_autoptr(GHashTable) params = g_uri_parse_params (queries->pdata[i], -1, "&", G_URI_PARAMS_NONE, NULL);
      const char *q = params ? g_hash_table_lookup (params, "q") : NULL;

      g_test_message ("search: %s", (char *) queries->pdata[i]);
      if (q == NULL)
        continue;
      g_assert_cmpstr (q, ==, "kling");
      g_assert_cmpstr (g_hash_table_lookup (params, "limit"), ==, "25");
      g_assert_cmpstr (g_hash_table_lookup (params, "expand"), ==, "openapi-3.0");
      searches++;
    }
  g_assert_cmpuint (searches, ==, 1);

  /* Thumbnails of the rows in view, not of every result. */
  g_assert_true (falstaff_test_wait_until (thumbnail_shown, studio, 10000));
  falstaff_test_iterate_for (300);
  collect_rows (GTK_WIDGET (list_view_of (studio)), rows);
  thumbnails = count_requests ("/cdn/thumbnails/", NULL);
  g_test_message ("%u thumbnails fetched for %u rows in view", thumbnails, rows->len);
  g_assert_cmpuint (thumbnails, >, 0);
  /* The first letter's results were in view for a moment too (the first
   * query goes at once): at most a screenful of those, never a page. */
  g_assert_cmpuint (thumbnails, <=, 2 * rows->len + 3);
  g_assert_cmpuint (thumbnails, <, 25);
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "picker-catalog");

  /* A real click on a model the built-in list does not have. */
  ids = listed_ids (studio);
  for (guint i = 0; i < ids->len && picked == NULL; i++)
    if (!in_builtin (ids->pdata[i]) && row_of (studio, ids->pdata[i]))
      picked = g_strdup (ids->pdata[i]);
  g_assert_nonnull (picked);
  g_assert_nonnull (falstaff_endpoint_picker_lookup (picker_of (studio), picked));
  g_assert_nonnull (falstaff_endpoint_info_get_display_name (falstaff_endpoint_picker_lookup (picker_of (studio), picked)));
  clear_log ();
  falstaff_test_click (row_of (studio, picked));
  g_assert_true (falstaff_test_wait_until (form_ready, studio->window, 10000));
  g_assert_cmpstr (_falstaff_window_get_endpoint_id (studio->window), ==, picked);
  g_assert_cmpuint (count_requests ("/web/api/openapi", NULL), ==, 0);
}

typedef struct {
  Studio *studio;
  guint at_least;
} Paging;

/* Scrolled to the end as a person would keep scrolling. */
static gboolean
scrolled_to (gpointer data)
{
  Paging *paging = data;
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list_view_of (paging->studio)));

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
  return n_listed (paging->studio) >= paging->at_least;
}

static void
test_paging (void)
{
  g_autoptr(Studio) studio = studio_with_key ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) queries = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = NULL;
  Paging paging = { studio, 50 };
  guint pages = 0;

  /* The first page is about a window's height of lines (760 px: 21),
   * not the whole first page of fal's answer (25 models). */
  g_assert_cmpuint (n_listed (studio), >=, 12);
  g_assert_cmpuint (n_listed (studio), <, 25);
  clear_log ();
  g_assert_true (falstaff_test_wait_until (scrolled_to, &paging, 15000));
  paging.at_least = 75;
  g_assert_true (falstaff_test_wait_until (scrolled_to, &paging, 15000));

  ids = listed_ids (studio);
  for (guint i = 0; i < ids->len; i++)
    g_assert_true (g_hash_table_add (seen, ids->pdata[i]));
  count_requests ("/api/v1/models", queries);
  for (guint i = 0; i < queries->len; i++)
    if (strstr (queries->pdata[i], "cursor="))
      pages++;
  g_assert_cmpuint (pages, >=, 2);
}

typedef struct {
  Studio *studio;
  const char *id;
} Row;

static gboolean
row_bound (gpointer data)
{
  Row *row = data;

  return row_of (row->studio, row->id) != NULL;
}

static void
test_deprecated (void)
{
  g_autoptr(Studio) studio = studio_with_key ();
  g_autoptr(JsonNode) answer = server_call ("GET", "/api/v1/models?status=deprecated&limit=1");
  JsonObject *model = json_array_get_object_element (json_object_get_array_member (json_node_get_object (answer), "models"), 0);
  const char *id = json_object_get_string_member (model, "endpoint_id");
  GtkWidget *search = falstaff_endpoint_picker_get_search_entry (picker_of (studio));
  Row row = { studio, id };
  GtkWidget *tag;

  gtk_editable_set_text (GTK_EDITABLE (search), id);
  g_assert_true (falstaff_test_wait_until (row_bound, &row, 10000));
  tag = g_object_get_data (G_OBJECT (row_of (studio, id)), "deprecated");
  g_assert_true (gtk_widget_get_visible (tag));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (tag)), ==, "Deprecated");
  g_assert_true (has_tooltip (tag, "fal marks this model as deprecated: it may stop working"));
  g_assert_true (falstaff_endpoint_info_get_deprecated (falstaff_endpoint_picker_lookup (picker_of (studio), id)));
}

static gboolean
offline_shown (gpointer data)
{
  GtkWidget *status = falstaff_test_find_descendant (GTK_WIDGET (picker_of (data)), is_status);

  return status && gtk_widget_get_visible (status) &&
         g_str_has_prefix (gtk_label_get_text (GTK_LABEL (status)), "Offline") && n_listed (data) > 0;
}

static void
test_offline (void)
{
  g_autoptr(Studio) studio = studio_with_key ();
  GtkWidget *search = falstaff_endpoint_picker_get_search_entry (picker_of (studio));
  GtkWidget *status;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *shot = NULL;
  g_autoptr(JsonNode) cleared = NULL;

  studio_add_fault (server_url (), "GET", "^/api/v1/models$", "status=503", 100);
  falstaff_test_press_keys (search, "f l u x");
  g_assert_true (falstaff_test_wait_until (offline_shown, studio, 30000));
  status = falstaff_test_find_descendant (GTK_WIDGET (picker_of (studio)), is_status);
  g_test_message ("%s", gtk_label_get_text (GTK_LABEL (status)));
  /* The empty query's models, seen at the start, are what is searched. */
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (status)), "models as of"));
  ids = listed_ids (studio);
  for (guint i = 0; i < ids->len; i++)
    g_assert_nonnull (strstr (ids->pdata[i], "flux"));
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "picker-offline");
  cleared = server_call ("DELETE", "/__control/faults");
}

/* fal slow to answer at start (no network: the client retries for
 * seconds before it gives up): the kept or built-in list shows meanwhile,
 * not a picker with the recent endpoints alone. */
static void
test_slow (void)
{
  g_autoptr(Studio) studio = NULL;
  g_autoptr(JsonNode) cleared = NULL;
  gint64 started;

  studio_add_fault (server_url (), "GET", "^/api/v1/models$", "stall=10000", 100);
  studio = studio_new ();
  started = g_get_monotonic_time ();
  enter_key (studio, "test:key");
  /* Well before fal's answer, 10 s away. */
  g_assert_true (falstaff_test_wait_until (has_rows, studio, 5000));
  g_test_message ("rows after %.1f s", (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  cleared = server_call ("DELETE", "/__control/faults");
}

static void
count_changes (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               guint      *changes)
{
  (*changes)++;
}

/* Refiltered to the same lines (the start sets the catalog, the client and
 * the recent list one after the other), the list keeps its items, and so
 * its bound rows: nothing is unbound and bound again. */
static void
test_same_lines_kept (void)
{
  g_autoptr(Studio) studio = studio_with_key ();
  g_autoptr(FalstaffCatalog) catalog = falstaff_catalog_new (NULL);
  GListModel *items = G_LIST_MODEL (gtk_list_view_get_model (list_view_of (studio)));
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkWidget) row = NULL;
  g_autoptr(GPtrArray) ids = listed_ids (studio);
  const char *id = NULL;
  guint changes = 0;

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    g_ptr_array_add (before, g_list_model_get_item (items, i));
  /* A row in view that has a name (its tooltip is then its id). */
  for (guint i = 0; i < ids->len && row == NULL; i++)
    if (row_of (studio, ids->pdata[i]))
      {
        row = g_object_ref (row_of (studio, ids->pdata[i]));
        id = ids->pdata[i];
      }
  g_assert_nonnull (row);
  g_signal_connect (items, "items-changed", G_CALLBACK (count_changes), &changes);

  /* The built-in catalog again: with a search, its lines are the search's. */
  falstaff_endpoint_picker_set_catalog (picker_of (studio), catalog);
  falstaff_test_iterate_for (200);

  g_signal_handlers_disconnect_by_func (items, count_changes, &changes);
  g_assert_cmpuint (changes, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, before->len);
  for (guint i = 0; i < before->len; i++)
    {
      g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (items, i);

      g_assert_true (item == before->pdata[i]);
    }
  g_assert_true (row_of (studio, id) == row);
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/picker/search-typed", test_search_typed);
  g_test_add_func ("/ui/picker/paging", test_paging);
  g_test_add_func ("/ui/picker/deprecated", test_deprecated);
  g_test_add_func ("/ui/picker/offline", test_offline);
  g_test_add_func ("/ui/picker/slow", test_slow);
  g_test_add_func ("/ui/picker/same-lines-kept", test_same_lines_kept);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
