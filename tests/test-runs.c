/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "falstaff-endpoint-picker.h"
#include "falstaff-file-row.h"
#include "falstaff-form-view.h"
#include "falstaff-send-to-dialog.h"
#include "falstaff-open-request-dialog.h"
#include "falstaff-output-keeper.h"
#include "falstaff-output-view.h"
#include "falstaff-history-view.h"
#include "falstaff-log-view.h"
#include "falstaff-request-view.h"
#include "falstaff-run.h"
#include "falstaff-run-store.h"
#include "notification-server.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* Runs that are never lost (issue 10): several at once, each shown alone,
 * and the history. */

static FalstaffRequestView *
request_view (Studio *studio)
{
  return _falstaff_window_get_request_view (studio->window);
}

static gboolean
run_has_request_id (gpointer data)
{
  return falstaff_run_get_request_id (data) != NULL;
}

static gboolean
run_done (gpointer data)
{
  return falstaff_run_is_done (data);
}

static gboolean
shown_run_changed (gpointer data)
{
  void **args = data;

  return falstaff_window_get_shown_run (args[0]) != NULL && falstaff_window_get_shown_run (args[0]) != args[1];
}

/* Presses Run (Ctrl+Enter in the prompt) and returns the new run. */
static FalstaffRun *
start_one (Studio     *studio,
           const char *prompt)
{
  void *args[2] = { studio->window, falstaff_window_get_shown_run (studio->window) };
  FalstaffRun *run;

  type_text (row_control (studio, "prompt"), prompt);
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (shown_run_changed, args, 10000));
  run = falstaff_window_get_shown_run (studio->window);
  g_assert_true (falstaff_test_wait_until (run_has_request_id, run, 10000));
  return g_object_ref (run);
}

/* GETs of path this server saw. */
static guint
count_gets (const char *server_url,
            const char *path)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server_url, "/__control/requests", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) log = NULL;
  JsonArray *entries;
  guint n = 0;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  body = soup_session_send_and_read (session, msg, NULL, NULL);
  g_assert_nonnull (body);
  log = json_from_string (g_bytes_get_data (body, NULL), NULL);
  g_assert_nonnull (log);
  entries = json_node_get_array (log);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), "GET") &&
          g_str_equal (json_object_get_string_member (entry, "path"), path))
        n++;
    }
  return n;
}

/* Issue 16: runs coming in above the History's rows bind them again;
 * a row keeps the thumbnail of its run meanwhile, and each output is
 * downloaded a few times in all (kept, shown, its thumbnail), not each
 * time a run comes in (500 runs cost 66,000 downloads, queued in libsoup
 * and held in memory). */
static void
test_history_thumbnails_once (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *history = GTK_WIDGET (_falstaff_window_get_history_view (studio->window));
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  const char *demo_url;

  g_setenv ("FALSTAFF_DEMO_SPEED", "20", TRUE);
  start_demo (studio);
  g_unsetenv ("FALSTAFF_DEMO_SPEED");
  demo_url = falstaff_session_get_demo_url (studio->session);
  pick_endpoint (studio, "fast-sdxl");
  /* The History page, as a person follows the runs there. */
  gtk_stack_set_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (history, GTK_TYPE_STACK)), "history");
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *prompt = g_strdup_printf ("a lighthouse, take %u", i);
      FalstaffRun *run = start_one (studio, prompt);

      g_ptr_array_add (runs, run);
      g_assert_true (falstaff_test_wait_until (run_done, run, 30000));
    }
  falstaff_test_iterate_for (1000);
  for (guint i = 0; i < runs->len; i++)
    {
      FalstaffRun *run = g_ptr_array_index (runs, i);
      g_autoptr(GUri) uri = NULL;
      guint n;

      g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
      g_assert_nonnull (falstaff_run_get_thumbnail_url (run));
      uri = g_uri_parse (falstaff_run_get_thumbnail_url (run), G_URI_FLAGS_ENCODED, NULL);
      g_assert_nonnull (uri);
      n = count_gets (demo_url, g_uri_get_path (uri));
      g_test_message ("run %u: its output fetched %u times", i, n);
      g_assert_cmpuint (n, >=, 1);
      g_assert_cmpuint (n, <=, 3);
    }
}

static guint
bound_rows (FalstaffHistoryView *history,
            GPtrArray           *runs)
{
  guint n = 0;

  for (guint i = 0; i < runs->len; i++)
    n += falstaff_history_view_get_check_for (history, g_ptr_array_index (runs, i)) != NULL;
  return n;
}

static gboolean store_loaded (gpointer data);

/* The mapped one: the filter's drop-down has one in its popover. */
static gboolean
is_mapped_list_view (GtkWidget *widget)
{
  return GTK_IS_LIST_VIEW (widget) && gtk_widget_get_mapped (widget);
}

/* Issue 16: a long history offers its runs a page at a time, and the
 * next when the list is scrolled to its end, as a person does with the
 * End key: GTK 4.8 made and bound 200 rows of a long list at once. */
static void
test_history_pages (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffHistoryView *history = _falstaff_window_get_history_view (studio->window);
  FalstaffRunStore *store = _falstaff_window_get_run_store (studio->window);
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  GtkWidget *list;
  guint first_page, before;

  start_demo (studio);
  g_assert_true (falstaff_test_wait_until (store_loaded, store, 10000));
  /* Earlier cases' runs are in this process's history too. */
  before = g_list_model_get_n_items (G_LIST_MODEL (store));
  for (guint i = 0; i < 130; i++)
    g_ptr_array_add (runs, falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", NULL));
  gtk_stack_set_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (history), GTK_TYPE_STACK)),
                                    "history");
  falstaff_test_iterate_for (500);
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, before + 130);
  first_page = bound_rows (history, runs);
  g_test_message ("rows bound at first: %u", first_page);
  g_assert_cmpuint (first_page, >, 0);
  g_assert_cmpuint (first_page, <=, 50);
  /* The oldest run is not made a row yet. */
  g_assert_null (falstaff_history_view_get_check_for (history, g_ptr_array_index (runs, 0)));

  list = falstaff_test_find_descendant (GTK_WIDGET (history), is_mapped_list_view);
  g_assert_nonnull (list);
  for (guint i = 0; i < 4 && falstaff_history_view_get_check_for (history, g_ptr_array_index (runs, 0)) == NULL; i++)
    {
      falstaff_test_press_keys (list, "End");
      falstaff_test_iterate_for (300);
    }
  g_assert_nonnull (falstaff_history_view_get_check_for (history, g_ptr_array_index (runs, 0)));
}

/* Three runs at once on two endpoints: Run stays available, each goes on
 * with its own status, and choosing one in the history shows only it. */
static void
test_several_at_once (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffHistoryView *history = _falstaff_window_get_history_view (studio->window);
  g_autoptr(FalstaffRun) video = NULL;
  g_autoptr(FalstaffRun) first = NULL;
  g_autoptr(FalstaffRun) second = NULL;
  FalstaffRun *runs[3];

  /* The video is still running after two more are typed and started,
   * even on a busy machine. */
  g_setenv ("FALSTAFF_DEMO_SPEED", "1", TRUE);
  start_demo (studio);
  g_setenv ("FALSTAFF_DEMO_SPEED", "4", TRUE);
  pick_endpoint (studio, "minimax");
  video = start_one (studio, "a paper boat");
  pick_endpoint (studio, "fast-sdxl");
  first = start_one (studio, "a lighthouse");
  second = start_one (studio, "a windmill");
  runs[0] = video;
  runs[1] = first;
  runs[2] = second;
  g_assert_false (falstaff_run_is_done (video));
  /* The History page, as a person opens it to see them. */
  falstaff_window_show_run_by_id (studio->window, falstaff_run_get_id (video));
  g_assert_true (falstaff_window_get_shown_run (studio->window) == video);
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "several-runs"));

  /* Each chosen in the history shows its own request id, endpoint and
   * nothing of the others. */
  for (guint i = 0; i < 3; i++)
    {
      falstaff_history_view_select (history, G_OBJECT (runs[i]));
      g_assert_true (falstaff_window_get_shown_run (studio->window) == runs[i]);
      g_assert_true (falstaff_request_view_get_run (request_view (studio)) == runs[i]);
      g_assert_cmpstr (fal_request_get_request_id (falstaff_window_get_request (studio->window)), ==,
                       falstaff_run_get_request_id (runs[i]));
      g_assert_cmpstr (fal_request_get_endpoint_id (falstaff_window_get_request (studio->window)), ==,
                       falstaff_run_get_endpoint_id (runs[i]));
      /* The results say whose they are, whatever the form shows. */
      g_assert_true (g_str_has_prefix (falstaff_request_view_get_run_text (request_view (studio)),
                                       falstaff_run_get_endpoint_id (runs[i])));
    }

  for (guint i = 0; i < 3; i++)
    g_assert_true (falstaff_test_wait_until (run_done, runs[i], 60000));
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (falstaff_run_get_status (runs[i]), ==, FAL_JOB_COMPLETED);
      g_assert_nonnull (falstaff_run_get_result (runs[i]));
    }
  g_assert_cmpstr (falstaff_run_get_prompt (first), ==, "a lighthouse");
  g_assert_cmpstr (falstaff_run_get_prompt (second), ==, "a windmill");
  g_assert_false (falstaff_window_is_running (studio->window));

  /* A finished run chosen in the history shows whose it is and its menu
   * at once, not at a change of status it will never have again. */
  for (guint i = 0; i < 3; i++)
    {
      falstaff_history_view_select (history, G_OBJECT (runs[i]));
      falstaff_test_iterate_for (100);
      g_assert_true (gtk_widget_get_visible (falstaff_request_view_get_run_menu_button (request_view (studio))));
      g_assert_true (gtk_widget_get_mapped (falstaff_request_view_get_run_menu_button (request_view (studio))));
    }
}

/* The history is searched by prompt and endpoint, and filtered. */
static void
test_history_search (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffHistoryView *history = _falstaff_window_get_history_view (studio->window);
  g_autoptr(FalstaffRun) done = NULL;
  GtkWidget *search;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  done = start_one (studio, "an unmistakable zeppelin");
  g_assert_true (falstaff_test_wait_until (run_done, done, 60000));

  search = falstaff_history_view_get_search_entry (history);
  gtk_editable_set_text (GTK_EDITABLE (search), "zeppelin");
  g_signal_emit_by_name (search, "search-changed");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, 1);
  gtk_editable_set_text (GTK_EDITABLE (search), "no run has this text");
  g_signal_emit_by_name (search, "search-changed");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (search), "zeppelin");
  g_signal_emit_by_name (search, "search-changed");
  falstaff_history_view_set_filter (history, "failed");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, 0);
  falstaff_history_view_set_filter (history, "done");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, 1);
  falstaff_history_view_set_filter (history, "all");
}


/* A menu item or button whose label (underscores dropped) is label. */
static GtkWidget *
find_labelled (GtkWidget  *root,
               const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;
      g_autofree char *text = NULL;

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (child), "text"))
        g_object_get (child, "text", &text, NULL);
      else if (GTK_IS_BUTTON (child) && gtk_button_get_label (GTK_BUTTON (child)))
        text = g_strdup (gtk_button_get_label (GTK_BUTTON (child)));
      if (text && gtk_widget_get_mapped (child))
        {
          g_autoptr(GString) plain = g_string_new (text);

          g_string_replace (plain, "_", "", 0);
          if (g_str_equal (plain->str, label))
            return child;
        }
      if ((found = find_labelled (child, label)))
        return found;
    }
  return NULL;
}

static gboolean
popover_open (gpointer data)
{
  GtkPopover *popover = gtk_menu_button_get_popover (data);

  return popover && gtk_widget_get_mapped (GTK_WIDGET (popover));
}

/* Opens the shown run's menu and clicks the item, as a person does. */
static void
click_run_menu_item (Studio     *studio,
                     const char *label)
{
  GtkWidget *button = falstaff_request_view_get_run_menu_button (request_view (studio));
  GtkWidget *item;

  g_assert_true (gtk_widget_get_visible (button));
  falstaff_test_click (button);
  g_assert_true (falstaff_test_wait_until (popover_open, button, 5000));
  item = find_labelled (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button))), label);
  g_assert_nonnull (item);
  g_assert_true (gtk_widget_get_sensitive (item));
  falstaff_test_click (item);
}

static char *
prompt_text (Studio *studio)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (row_control (studio, "prompt")));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
form_on (gpointer data)
{
  void **args = data;

  return form_ready (args[0]) && g_strcmp0 (fal_form_model_get_endpoint_id (
                                   falstaff_form_view_get_model (_falstaff_window_get_form_view (args[0]))), args[1]) == 0;
}

static gint64
form_seed (Studio *studio)
{
  JsonNode *seed = fal_form_model_get_value (form_model (studio), "seed");

  return seed ? json_node_get_int (seed) : -1;
}

/* Run Again puts a past run's inputs on its endpoint's form; Use Seed
 * copies the seed it really had. */
static void
test_run_again_and_seed (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(FalstaffRun) fox = NULL;
  void *args[2];
  gint64 seed;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  fox = start_one (studio, "a red fox in the snow");
  g_assert_true (falstaff_test_wait_until (run_done, fox, 60000));
  seed = falstaff_run_get_seed (fox);
  g_assert_cmpint (seed, >=, 0);

  /* Elsewhere now, with other words. */
  pick_endpoint (studio, "schnell");
  type_text (row_control (studio, "prompt"), "something else entirely");
  g_assert_true (falstaff_window_get_shown_run (studio->window) == fox);

  click_run_menu_item (studio, "Run Again");
  args[0] = studio->window;
  args[1] = "fal-ai/fast-sdxl";
  g_assert_true (falstaff_test_wait_until (form_on, args, 10000));
  {
    g_autofree char *text = prompt_text (studio);
    g_assert_cmpstr (text, ==, "a red fox in the snow");
  }
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "run-again"));

  /* A fresh form has no seed; Use Seed gives it the fox's. */
  gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.reset-form", NULL);
  g_assert_cmpint (form_seed (studio), !=, seed);
  click_run_menu_item (studio, "Use Seed");
  g_assert_cmpint (form_seed (studio), ==, seed);
  /* And the next run goes with it. */
  {
    g_autoptr(FalstaffRun) again = start_one (studio, "a red fox in the snow");

    g_assert_true (falstaff_test_wait_until (run_done, again, 60000));
    g_assert_cmpint (falstaff_run_get_seed (again), ==, seed);
  }
}

/* The switcher button whose label reads text (the request view's tabs;
 * libadwaita 1.2's AdwViewSwitcherButton is no GtkButton). */
static GtkWidget *
find_toggle (GtkWidget  *root,
             const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (child) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), text) == 0)
        {
          for (GtkWidget *up = child; up; up = gtk_widget_get_parent (up))
            if (GTK_IS_BUTTON (up) || g_str_equal (G_OBJECT_TYPE_NAME (up), "AdwViewSwitcherButton"))
              return up;
        }
      if ((found = find_toggle (child, text)))
        return found;
    }
  return NULL;
}

static gboolean
log_says (gpointer data)
{
  void **args = data;

  return g_strcmp0 (falstaff_log_view_get_empty_text_shown (args[0]), args[1]) == 0;
}

/* An empty log says why: a streamed run has none, a filter matches no
 * line. Before, a stream run's Logs tab was a blank pane. */
static GtkWidget *
filter_entry (FalstaffLogView *log_view)
{
  return gtk_widget_get_first_child (gtk_widget_get_first_child (gtk_widget_get_first_child (GTK_WIDGET (log_view))));
}

static gboolean
log_lines_are (gpointer data)
{
  void **args = data;
  GListModel *shown = falstaff_log_view_get_shown (args[0]);

  return shown && g_list_model_get_n_items (shown) == GPOINTER_TO_UINT (args[1]);
}

static void
test_log_says_why (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(FalstaffRun) poem = NULL;
  g_autoptr(FalstaffRun) fox = NULL;
  FalstaffLogView *log_view = FALSTAFF_LOG_VIEW (falstaff_request_view_get_log_view (request_view (studio)));
  GtkWidget *logs_tab;
  void *args[2] = { log_view, NULL };

  start_demo (studio);
  pick_endpoint (studio, "any-llm");
  poem = start_one (studio, "a poem about the tide");
  g_assert_cmpstr (falstaff_run_get_mode (poem), ==, "stream");
  g_assert_true (falstaff_test_wait_until (run_done, poem, 60000));
  logs_tab = find_toggle (GTK_WIDGET (request_view (studio)), "Logs");
  g_assert_nonnull (logs_tab);
  falstaff_test_click (logs_tab);
  args[1] = (void *) "A streamed run sends its output as events, not log lines: see Output and JSON";
  g_assert_true (falstaff_test_wait_until (log_says, args, 5000));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "logs-stream"));

  /* A queued run has its lines; a filter that matches none says so. */
  pick_endpoint (studio, "fast-sdxl");
  fox = start_one (studio, "a red fox in the snow");
  g_assert_true (falstaff_test_wait_until (run_done, fox, 60000));
  args[1] = NULL;
  g_assert_true (falstaff_test_wait_until (log_says, args, 5000));
  g_assert_cmpuint (g_list_model_get_n_items (falstaff_log_view_get_shown (log_view)), >, 0);
  {
    GtkWidget *filter = gtk_widget_get_first_child (gtk_widget_get_first_child (gtk_widget_get_first_child (GTK_WIDGET (log_view))));

    g_assert_true (GTK_IS_SEARCH_ENTRY (filter));
    falstaff_test_click (filter);
    type_text (filter, "no such line anywhere");
  }
  args[1] = (void *) "No line matches the filter";
  g_assert_true (falstaff_test_wait_until (log_says, args, 5000));
  type_text (filter_entry (log_view), "");

  /* Let go of, as the window lets go of older finished runs, then shown
   * again from the History: its whole log comes back from the file. */
  {
    FalstaffHistoryView *history = _falstaff_window_get_history_view (studio->window);
    guint lines = g_list_model_get_n_items (fal_job_get_logs (falstaff_run_get_job (fox)));

    g_assert_cmpuint (lines, >, 5);
    falstaff_history_view_select (history, G_OBJECT (poem));
    falstaff_test_iterate_for (300);
    falstaff_run_store_release_details (_falstaff_window_get_run_store (studio->window), fox);
    g_assert_null (falstaff_run_get_job (fox));
    falstaff_history_view_select (history, G_OBJECT (fox));
    g_assert_true (falstaff_test_wait_until (log_lines_are, (void *[]) { log_view, GUINT_TO_POINTER (lines) }, 5000));
  }
}

static gboolean
run_in_store (gpointer data)
{
  void **args = data;
  GListModel *runs = args[0];

  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(FalstaffRun) run = g_list_model_get_item (runs, i);

      if (falstaff_run_get_id (run) == *(gint64 *) args[1])
        return TRUE;
    }
  return FALSE;
}

static gboolean
run_not_in_store (gpointer data)
{
  return !run_in_store (data);
}

static void
store_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_assert_true (falstaff_run_store_load_finish (FALSTAFF_RUN_STORE (source), result, NULL));
}

static void
store_flushed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_assert_true (falstaff_run_store_flush_finish (FALSTAFF_RUN_STORE (source), result, NULL));
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
store_loaded (gpointer data)
{
  return falstaff_run_store_is_loaded (data);
}

/* Delete Run… asks, then the run is gone from the list and the file. */
static void
test_delete_run (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffRunStore *store;
  g_autoptr(FalstaffRunStore) reread = NULL;
  g_autoptr(FalstaffRun) doomed = NULL;
  GtkWindow *dialog;
  gboolean flushed = FALSE;
  gint64 id;
  void *args[2];

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  /* One run stays: the file is not simply empty. */
  g_object_unref (start_one (studio, "a run to keep"));
  doomed = start_one (studio, "a run to forget");
  g_assert_true (falstaff_test_wait_until (run_done, doomed, 60000));
  id = falstaff_run_get_id (doomed);
  store = _falstaff_window_get_run_store (studio->window);
  args[0] = store;
  args[1] = &id;
  g_assert_true (run_in_store (args));

  click_run_menu_item (studio, "Delete Run…");
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 5000));
  dialog = find_dialog ();
  g_free (falstaff_test_screenshot (GTK_WIDGET (dialog), "delete-run"));
  falstaff_test_click (find_labelled (GTK_WIDGET (dialog), "Delete"));
  g_assert_true (falstaff_test_wait_until (run_not_in_store, args, 5000));
  g_assert_null (falstaff_window_get_shown_run (studio->window));

  /* Gone from the file too: a second reader of it does not find it. */
  falstaff_run_store_flush_async (store, NULL, store_flushed_cb, &flushed);
  g_assert_true (falstaff_test_wait_until (is_true, &flushed, 10000));
  reread = falstaff_run_store_new (falstaff_run_store_get_path (store));
  falstaff_run_store_load_async (reread, NULL, store_loaded_cb, NULL);
  g_assert_true (falstaff_test_wait_until (store_loaded, reread, 10000));
  args[0] = reread;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reread)), >, 0);
  g_assert_false (run_in_store (args));
}

/* Key names for xdotool, one per character of an id. */
static char *
keys_for (const char *text)
{
  g_autoptr(GString) keys = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (keys->len)
        g_string_append_c (keys, ' ');
      if (*p == '-')
        g_string_append (keys, "minus");
      else
        g_string_append_c (keys, *p);
    }
  return g_string_free (g_steal_pointer (&keys), FALSE);
}

static gboolean
shown_request_is (gpointer data)
{
  void **args = data;
  FalstaffRun *run = falstaff_window_get_shown_run (args[0]);

  return run && g_strcmp0 (falstaff_run_get_request_id (run), args[1]) == 0;
}

/* Open Request… (Ctrl+Shift+O) follows a request made elsewhere to its
 * end as a run of the history; a pasted queue URL names its endpoint;
 * opening it again shows the same run. */
static void
test_open_request (void)
{
  g_autoptr(Studio) studio = studio_new ();
  const char *server_url = fal_local_server_get_url (studio_fixture_get_keyed_server ());
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *keys = NULL;
  g_autofree char *typed_keys = NULL;
  FalstaffOpenRequestDialog *dialog;
  FalstaffRunStore *store;
  FalstaffRun *run;
  const char *request_id;
  guint n_runs;
  void *args[2];

  enter_key (studio, "test:key");
  store = _falstaff_window_get_run_store (studio->window);
  g_assert_true (falstaff_test_wait_until (store_loaded, store, 10000));
  answer = studio_submit_elsewhere (server_url, "fal-ai/fast-sdxl", "{\"prompt\":\"made elsewhere\"}");
  request_id = json_object_get_string_member (answer, "request_id");

  falstaff_test_press_keys (falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window)),
                            "ctrl+shift+o");
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 5000));
  dialog = FALSTAFF_OPEN_REQUEST_DIALOG (find_dialog ());

  /* A queue URL pasted: the endpoint is filled in from it. */
  gtk_editable_set_text (GTK_EDITABLE (falstaff_open_request_dialog_get_request_entry (dialog)),
                         json_object_get_string_member (answer, "status_url"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (falstaff_open_request_dialog_get_endpoint_entry (dialog))),
                   ==, "fal-ai/fast-sdxl");
  /* Then the bare id typed, and Enter. */
  gtk_editable_set_text (GTK_EDITABLE (falstaff_open_request_dialog_get_request_entry (dialog)), "");
  typed_keys = keys_for (request_id);
  falstaff_test_press_keys (falstaff_open_request_dialog_get_request_entry (dialog), typed_keys);
  g_free (falstaff_test_screenshot (GTK_WIDGET (dialog), "open-request"));
  keys = g_strdup ("Return");
  falstaff_test_press_keys (falstaff_open_request_dialog_get_request_entry (dialog), keys);

  args[0] = studio->window;
  args[1] = (gpointer) request_id;
  g_assert_true (falstaff_test_wait_until (shown_request_is, args, 5000));
  run = falstaff_window_get_shown_run (studio->window);
  g_assert_cmpstr (falstaff_run_get_endpoint_id (run), ==, "fal-ai/fast-sdxl");
  g_assert_true (falstaff_test_wait_until (run_done, run, 60000));
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  g_assert_nonnull (falstaff_run_get_result (run));

  /* Opened again: the same run, not a second one. */
  n_runs = g_list_model_get_n_items (G_LIST_MODEL (store));
  g_assert_true (falstaff_window_open_request (studio->window, "fal-ai/fast-sdxl", request_id, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n_runs);
  g_assert_true (falstaff_window_get_shown_run (studio->window) == run);
}

static gboolean
window_inactive (gpointer data)
{
  return !gtk_window_is_active (data);
}

/* The id of the first notification from index `from` on whose text is
 * `text`, or 0.  Ids are handed out in the order notifications arrive. */
static guint32
find_notification (const char *text,
                   guint       from)
{
  GPtrArray *received = notification_server_get_received ();

  for (guint i = from; i < received->len; i++)
    if (g_str_equal (g_ptr_array_index (received, i), text))
      return i + 1;
  return 0;
}

static gboolean
notified_video (gpointer data)
{
  return find_notification ("Run completed\nfal-ai/minimax/video-01", GPOINTER_TO_UINT (data)) != 0;
}

static gboolean
shown_is (gpointer data)
{
  void **args = data;

  return falstaff_window_get_shown_run (args[0]) == args[1];
}

/* A run that ends while the window is away says so in a notification;
 * clicking it shows that run. */
static void
test_notification (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(FalstaffRun) first = NULL;
  g_autoptr(FalstaffRun) video = NULL;
  GtkWidget *elsewhere = gtk_window_new ();
  guint before = notification_server_get_received ()->len;
  guint32 id;
  void *args[2];

  /* The video takes long enough that the person is away before it ends,
   * even on a busy machine. */
  g_setenv ("FALSTAFF_DEMO_SPEED", "1", TRUE);
  start_demo (studio);
  g_setenv ("FALSTAFF_DEMO_SPEED", "4", TRUE);
  pick_endpoint (studio, "fast-sdxl");
  first = start_one (studio, "a quiet harbour");
  g_assert_true (falstaff_test_wait_until (run_done, first, 60000));
  pick_endpoint (studio, "minimax");
  video = start_one (studio, "a paper boat");

  /* The person goes to another window while it runs. */
  gtk_window_present (GTK_WINDOW (elsewhere));
  falstaff_test_press_keys (elsewhere, "shift");
  g_assert_true (falstaff_test_wait_until (window_inactive, studio->window, 5000));
  g_assert_false (falstaff_run_is_done (video));
  g_assert_true (falstaff_test_wait_until (run_done, video, 60000));
  /* Looked for by its text: on a loaded machine the window may not have
   * been active yet when the first run ended, and that run rightly
   * notified too. */
  g_assert_true (falstaff_test_wait_until (notified_video, GUINT_TO_POINTER (before), 5000));
  id = find_notification ("Run completed\nfal-ai/minimax/video-01", before);

  /* Another run is shown meanwhile; the click brings this one back. */
  falstaff_history_view_select (_falstaff_window_get_history_view (studio->window), G_OBJECT (first));
  g_assert_true (falstaff_window_get_shown_run (studio->window) == first);
  notification_server_click (id);
  args[0] = studio->window;
  args[1] = video;
  g_assert_true (falstaff_test_wait_until (shown_is, args, 5000));
  gtk_window_destroy (GTK_WINDOW (elsewhere));
}

static gboolean
shows_one_image (gpointer data);

static gboolean
file_row_has_item (gpointer data)
{
  return falstaff_file_row_get_n_items (data) > 0;
}

/* Send to…: a text-to-image output goes into image-to-image's form by its
 * link (nothing uploaded again), and that run goes. */
static void
test_send_to (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(FalstaffRun) picture = NULL;
  g_autoptr(FalstaffRun) varied = NULL;
  g_autoptr(GPtrArray) file_rows = NULL;
  GtkListBox *list;
  GtkWidget *target = NULL;
  FalstaffFileRow *image_row;
  const char *url;
  void *args[2];

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  picture = start_one (studio, "a green apple");
  g_assert_true (falstaff_test_wait_until (run_done, picture, 60000));
  url = json_object_get_string_member (
          json_array_get_object_element (
            json_object_get_array_member (json_node_get_object (falstaff_run_get_result (picture)), "images"), 0),
          "url");

  /* The output's own Send to… button, as a person clicks it. */
  g_assert_true (falstaff_test_wait_until (shows_one_image, studio, 10000));
  falstaff_test_click (falstaff_test_find_by_tooltip (falstaff_request_view_get_output_view (request_view (studio)),
                                                     GTK_TYPE_BUTTON, "Send to…"));
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 5000));
  list = falstaff_send_to_dialog_get_list (FALSTAFF_SEND_TO_DIALOG (find_dialog ()));
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row; row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "endpoint-id"), "fal-ai/fast-sdxl/image-to-image") == 0)
      target = row;
  g_assert_nonnull (target);
  g_free (falstaff_test_screenshot (GTK_WIDGET (find_dialog ()), "send-to"));
  falstaff_test_click (target);

  args[0] = studio->window;
  args[1] = "fal-ai/fast-sdxl/image-to-image";
  g_assert_true (falstaff_test_wait_until (form_on, args, 10000));
  file_rows = falstaff_form_view_get_file_rows (_falstaff_window_get_form_view (studio->window));
  g_assert_cmpuint (file_rows->len, >, 0);
  image_row = g_ptr_array_index (file_rows, 0);
  g_assert_true (falstaff_test_wait_until (file_row_has_item, image_row, 5000));
  g_assert_cmpstr (falstaff_file_row_get_item_url (image_row, 0), ==, url);
  g_assert_null (falstaff_file_row_get_item_upload (image_row, 0));

  varied = start_one (studio, "the same apple, in autumn");
  g_assert_true (falstaff_test_wait_until (run_done, varied, 60000));
  g_assert_cmpint (falstaff_run_get_status (varied), ==, FAL_JOB_COMPLETED);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (falstaff_run_get_inputs (varied)), "image_url"),
                   ==, url);
}

static gboolean
image_kept (gpointer data)
{
  void **args = data;
  g_autofree char *path = falstaff_output_keeper_lookup (args[0], falstaff_run_get_id (args[1]), args[2]);

  return path != NULL;
}

static gboolean
shows_one_image (gpointer data)
{
  return falstaff_output_view_get_n_images (
           FALSTAFF_OUTPUT_VIEW (falstaff_request_view_get_output_view (request_view (data)))) == 1;
}

/* A completed run's image is kept on disk; once fal's link is gone, the
 * run shown again from the History still shows it. */
static void
test_kept_after_links_expire (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(FalstaffRun) kept = NULL;
  g_autoptr(FalstaffRun) other = NULL;
  FalstaffOutputKeeper *keeper = falstaff_application_get_output_keeper (studio->app);
  FalstaffHistoryView *history = _falstaff_window_get_history_view (studio->window);
  g_autoptr(GUri) uri = NULL;
  const char *url;
  void *args[3];

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  kept = start_one (studio, "a lantern kept safe");
  g_assert_true (falstaff_test_wait_until (run_done, kept, 60000));
  url = json_object_get_string_member (
          json_array_get_object_element (
            json_object_get_array_member (json_node_get_object (falstaff_run_get_result (kept)), "images"), 0),
          "url");
  args[0] = keeper;
  args[1] = kept;
  args[2] = (gpointer) url;
  g_assert_true (falstaff_test_wait_until (image_kept, args, 10000));
  other = start_one (studio, "another one");
  g_assert_true (falstaff_test_wait_until (run_done, other, 60000));

  /* fal's link expires. */
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  studio_add_fault (falstaff_session_get_demo_url (studio->session), "GET", g_uri_get_path (uri), "status=404", 100);
  falstaff_history_view_select (history, G_OBJECT (kept));
  g_assert_true (falstaff_window_get_shown_run (studio->window) == kept);
  g_assert_true (falstaff_test_wait_until (shows_one_image, studio, 10000));
}

static GtkWidget *
find_menu_button (GtkWidget  *root,
                  const char *icon)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_MENU_BUTTON (child) && gtk_widget_get_mapped (child) &&
          g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (child)), icon) == 0)
        return child;
      if ((found = find_menu_button (child, icon)))
        return found;
    }
  return NULL;
}

static gboolean
n_shown_is (gpointer data)
{
  void **args = data;

  return falstaff_history_view_get_n_shown (args[0]) == GPOINTER_TO_UINT (args[1]);
}

/* Many at once: the runs a search shows, deleted from the main menu. */
static void
test_delete_many (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffHistoryView *history = _falstaff_window_get_history_view (studio->window);
  FalstaffRunStore *store = _falstaff_window_get_run_store (studio->window);
  g_autoptr(FalstaffRun) keep = NULL;
  GtkWidget *search, *menu_button, *item;
  guint before;
  void *args[2];

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(FalstaffRun) doomed = start_one (studio, "a throwaway sketch");
      g_assert_true (falstaff_test_wait_until (run_done, doomed, 60000));
    }
  keep = start_one (studio, "a keeper");
  g_assert_true (falstaff_test_wait_until (run_done, keep, 60000));
  before = g_list_model_get_n_items (G_LIST_MODEL (store));

  search = falstaff_history_view_get_search_entry (history);
  gtk_editable_set_text (GTK_EDITABLE (search), "throwaway");
  g_signal_emit_by_name (search, "search-changed");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, 3);

  menu_button = find_menu_button (GTK_WIDGET (studio->window), "open-menu-symbolic");
  g_assert_nonnull (menu_button);
  falstaff_test_click (menu_button);
  g_assert_true (falstaff_test_wait_until (popover_open, menu_button, 5000));
  item = find_labelled (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu_button))),
                        "Delete Runs Shown in History…");
  g_assert_nonnull (item);
  falstaff_test_click (item);
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 5000));
  g_free (falstaff_test_screenshot (GTK_WIDGET (find_dialog ()), "delete-many"));
  falstaff_test_click (find_labelled (GTK_WIDGET (find_dialog ()), "Delete"));

  args[0] = history;
  args[1] = GUINT_TO_POINTER (0);
  g_assert_true (falstaff_test_wait_until (n_shown_is, args, 5000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, before - 3);
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  g_signal_emit_by_name (search, "search-changed");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, before - 3);
}

/* Sync Mode switched on from the keyboard in Advanced: fal answers the image
 * as a data: URI (the local server does as fal does), and it is shown
 * like any other. */
static void
test_sync_mode (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(FalstaffRun) run = NULL;
  GtkWidget *sync_switch;
  JsonObject *result;
  const char *url;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (falstaff_form_view_get_advanced_expander (
                                   _falstaff_window_get_form_view (studio->window))), TRUE);
  sync_switch = row_control (studio, "sync_mode");
  falstaff_test_press_keys (sync_switch, "space");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (sync_switch)));
  run = start_one (studio, "a lighthouse, inline");
  g_assert_true (falstaff_test_wait_until (run_done, run, 60000));
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);

  result = json_node_get_object (falstaff_run_get_result (run));
  url = json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (result, "images"), 0), "url");
  g_assert_true (g_str_has_prefix (url, "data:image/png;base64,"));
  g_assert_true (falstaff_test_wait_until (shows_one_image, studio, 10000));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "sync-mode"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/runs/several-at-once", test_several_at_once);
  g_test_add_func ("/ui/runs/history-thumbnails-once", test_history_thumbnails_once);
  g_test_add_func ("/ui/runs/history-search", test_history_search);
  g_test_add_func ("/ui/runs/history-pages", test_history_pages);
  g_test_add_func ("/ui/runs/run-again-and-seed", test_run_again_and_seed);
  g_test_add_func ("/ui/runs/delete", test_delete_run);
  g_test_add_func ("/ui/runs/delete-many", test_delete_many);
  g_test_add_func ("/ui/runs/open-request", test_open_request);
  g_test_add_func ("/ui/runs/notification", test_notification);
  g_test_add_func ("/ui/runs/send-to", test_send_to);
  g_test_add_func ("/ui/runs/kept-after-links-expire", test_kept_after_links_expire);
  g_test_add_func ("/ui/runs/sync-mode", test_sync_mode);
  g_test_add_func ("/ui/runs/log-says-why", test_log_says_why);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
