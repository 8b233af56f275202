/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "fal.h"
#include "fal-local-server.h"

#include "falstaff-application.h"
#include "falstaff-session.h"
#include "falstaff-window-private.h"

G_BEGIN_DECLS

/* The studio window driven as a person would, against the local fal
 * server: the demo (started from the window) or an in-process server
 * with its own key (FALSTAFF_LOCAL_URL, see studio_fixture_get_keyed_server). */

typedef struct {
  FalstaffApplication *app;
  FalstaffSession *session;
  FalstaffWindow *window;
} Studio;

/* Sets the environment (no key anywhere, demo speed, fixed clock), then
 * GTK, libadwaita, one registered application and the keyed server. */
void            studio_fixture_init              (int    *argc,
                                                  char ***argv);
void            studio_fixture_shutdown          (void);
FalLocalServer *studio_fixture_get_keyed_server  (void);

/* A new session and window, as on a first launch (settings reset). */
Studio       *studio_new        (void);
void          studio_free       (Studio *studio);
void          wait_for_page     (Studio     *studio,
                                 const char *page);
/* Presses the welcome page's demo button and waits for the studio. */
void          start_demo        (Studio *studio);
/* Types in the picker's search and presses Enter; waits for the form. */
void          pick_endpoint     (Studio     *studio,
                                 const char *query);
void          type_text         (GtkWidget  *control,
                                 const char *text);
GtkWidget    *row_control       (Studio     *studio,
                                 const char *field);
FalFormModel *form_model        (Studio *studio);
void          run               (Studio *studio);

/* Adds a fault rule to a local server (docs/local-server.md §9.2): the
 * next COUNT requests of METHOD whose path matches PATH_REGEX get FAULT. */
void          studio_add_fault  (const char *server_url,
                                 const char *method,
                                 const char *path_regex,
                                 const char *fault,
                                 guint       count);
/* A queue submit made elsewhere (as falctl would, key test:key): fal's
 * answer (request_id, status_url, …). */
JsonObject   *studio_submit_elsewhere (const char *server_url,
                                       const char *endpoint_id,
                                       const char *body_text);
/* Enters a key on the welcome page (the keyed server takes test:key). */
void          enter_key         (Studio     *studio,
                                 const char *key);

/* Conditions for falstaff_test_wait_until (data: the window). */
gboolean      form_ready        (gpointer data);
gboolean      not_running       (gpointer data);
gboolean      request_exists    (gpointer data);
/* The open AdwMessageDialog, if any (data: unused). */
GtkWindow    *find_dialog       (void);
gboolean      dialog_shown      (gpointer data);
/* data: { window, GUINT_TO_POINTER (FalRequestStatus) }. */
gboolean      request_in        (gpointer data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Studio, studio_free)

G_END_DECLS
