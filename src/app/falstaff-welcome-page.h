/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first-run page: enter a key, or try the offline demo. It emits
 * "key-entered" (the key) and "demo-requested"; the window answers with
 * set_busy and show_message. */
#define FALSTAFF_TYPE_WELCOME_PAGE (falstaff_welcome_page_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffWelcomePage, falstaff_welcome_page, FALSTAFF, WELCOME_PAGE, GtkWidget)

void falstaff_welcome_page_set_busy     (FalstaffWelcomePage *self,
                                         gboolean             busy);
/* An error under the key (NULL hides it). */
void falstaff_welcome_page_show_message (FalstaffWelcomePage *self,
                                         const char          *message);
void falstaff_welcome_page_clear        (FalstaffWelcomePage *self);
/* For tests: the key entry, the message shown, the demo button. */
GtkWidget  *falstaff_welcome_page_get_key_row     (FalstaffWelcomePage *self);
const char *falstaff_welcome_page_get_message     (FalstaffWelcomePage *self);
GtkWidget  *falstaff_welcome_page_get_demo_button (FalstaffWelcomePage *self);

G_END_DECLS
