/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Small accessibility helpers shared by the app's widgets. */

/* Sets a widget's own accessible description (NULL: none), which an
 * announcement on it (FalstaffAnnouncer) gives back afterwards. */
void        falstaff_accessible_describe           (GtkWidget  *widget,
                                                    const char *description);
/* The description set with falstaff_accessible_describe(), or NULL. */
const char *falstaff_accessible_get_description    (GtkWidget  *widget);
/* Gives every icon-only button under widget (an entry row's edit and
 * reveal buttons, say) an accessible name. */
void        falstaff_accessible_name_icon_buttons  (GtkWidget  *widget,
                                                    const char *name);

G_END_DECLS
