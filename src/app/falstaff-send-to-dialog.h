/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "falstaff-catalog.h"

G_BEGIN_DECLS

/* "Send to…": where an output (an image, a video, a sound) goes next, as
 * the input of another endpoint (text-to-image → image-to-image, a voice
 * → speech-to-text). Lists the catalog's endpoints whose category takes
 * that media, the endpoint shown first when its form has a field for it.
 * Choosing a row answers the response "send"; "cancel" otherwise. */
#define FALSTAFF_TYPE_SEND_TO_DIALOG (falstaff_send_to_dialog_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffSendToDialog, falstaff_send_to_dialog, FALSTAFF, SEND_TO_DIALOG, AdwMessageDialog)

/* kind: "image", "video" or "audio". current_endpoint_id: the endpoint
 * whose form is shown, offered first when current_takes_it; NULL for
 * none. local_only: only what the local server offers (the demo). */
GtkWidget  *falstaff_send_to_dialog_new         (GtkWindow       *parent,
                                                 FalstaffCatalog *catalog,
                                                 const char      *kind,
                                                 const char      *current_endpoint_id,
                                                 gboolean         current_takes_it,
                                                 gboolean         local_only);
/* The endpoint chosen (after "send"), or NULL. */
const char *falstaff_send_to_dialog_get_chosen  (FalstaffSendToDialog *self);
GtkListBox *falstaff_send_to_dialog_get_list    (FalstaffSendToDialog *self);

/* Whether an endpoint of this catalog category takes this kind of media
 * as its input. */
gboolean    falstaff_category_takes             (const char *category,
                                                 const char *kind);

G_END_DECLS
