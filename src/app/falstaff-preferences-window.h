/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "falstaff-session.h"

G_BEGIN_DECLS

/* Preferences (app.preferences, Ctrl+,): the key, how runs are sent and
 * followed, where outputs go, and the hosts Falstaff talks to. Settings
 * are bound to GSettings; the key goes through the session only. */
#define FALSTAFF_TYPE_PREFERENCES_WINDOW (falstaff_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffPreferencesWindow, falstaff_preferences_window, FALSTAFF, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

FalstaffPreferencesWindow *falstaff_preferences_window_new (GtkWindow       *parent,
                                                            FalstaffSession *session);

/* For tests: the widgets a person would use. */
GtkWidget *_falstaff_preferences_window_get_check_button     (FalstaffPreferencesWindow *self);
GtkWidget *_falstaff_preferences_window_get_key_result_label (FalstaffPreferencesWindow *self);
GtkWidget *_falstaff_preferences_window_get_key_row          (FalstaffPreferencesWindow *self);
GtkWidget *_falstaff_preferences_window_get_new_key_row      (FalstaffPreferencesWindow *self);
GtkWidget *_falstaff_preferences_window_get_priority_row     (FalstaffPreferencesWindow *self);
GtkWidget *_falstaff_preferences_window_get_timeout_spin     (FalstaffPreferencesWindow *self);
GtkWidget *_falstaff_preferences_window_get_lifetime_row     (FalstaffPreferencesWindow *self);
GtkWidget *_falstaff_preferences_window_get_poll_switch      (FalstaffPreferencesWindow *self);
GtkWidget *_falstaff_preferences_window_get_limit_spin       (FalstaffPreferencesWindow *self);
/* key: "queue-url", "proxy-url", …: the row (its subtitle) and its entry. */
GtkWidget *_falstaff_preferences_window_get_host_row         (FalstaffPreferencesWindow *self,
                                                              const char                *key);
GtkWidget *_falstaff_preferences_window_get_host_entry       (FalstaffPreferencesWindow *self,
                                                              const char                *key);

G_END_DECLS
