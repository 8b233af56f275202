/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* "Open Request…": a person pastes a request id (or a queue URL, which
 * names the endpoint too) of a run made elsewhere (falctl, another
 * computer, the fal dashboard), and the studio follows it as one of its
 * own runs. Responses: "cancel" and "open" (enabled while the two
 * entries make sense). */
#define FALSTAFF_TYPE_OPEN_REQUEST_DIALOG (falstaff_open_request_dialog_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffOpenRequestDialog, falstaff_open_request_dialog, FALSTAFF, OPEN_REQUEST_DIALOG, AdwMessageDialog)

/* endpoint_id: what the endpoint entry starts with (the endpoint shown),
 * or NULL. */
GtkWidget  *falstaff_open_request_dialog_new               (GtkWindow  *parent,
                                                            const char *endpoint_id);
GtkWidget  *falstaff_open_request_dialog_get_request_entry  (FalstaffOpenRequestDialog *self);
GtkWidget  *falstaff_open_request_dialog_get_endpoint_entry (FalstaffOpenRequestDialog *self);
/* What the entries say now, or NULL while they do not make sense. */
char       *falstaff_open_request_dialog_dup_request_id    (FalstaffOpenRequestDialog *self);
char       *falstaff_open_request_dialog_dup_endpoint_id   (FalstaffOpenRequestDialog *self);

/* Reads a pasted reference: a bare request id, or a URL whose path holds
 * ".../{endpoint}/requests/{id}[/…]" (fal's queue URLs, and the local
 * server's, whose path starts with "/queue"). *endpoint_id is NULL when
 * the text does not name one. FALSE when text is neither. */
gboolean    falstaff_parse_request_reference               (const char  *text,
                                                            char       **endpoint_id,
                                                            char       **request_id);

G_END_DECLS
