/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-window-private.h"

/* A single run whose estimate is above the spending limit
 * (cost-confirm-limit, the preferences and Spending…) asks first, as
 * variations do. */

typedef struct {
  FalstaffWindow *window;
  JsonNode *body;
  FalstaffRunConfirmed confirmed;
} Ask;

static void
ask_free (Ask *ask)
{
  g_object_unref (ask->window);
  json_node_unref (ask->body);
  g_free (ask);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             gpointer          data)
{
  Ask *ask = data;

  if (g_strcmp0 (response, "run") == 0)
    ask->confirmed (ask->window, ask->body);
  else
    _falstaff_window_toast (ask->window, _("Run cancelled before it was sent"));
  ask_free (ask);
}

gboolean
_falstaff_window_ask_before_run (FalstaffWindow       *self,
                                 JsonNode             *body,
                                 FalstaffRunConfirmed  confirmed)
{
  const FalPrice *price = _falstaff_window_get_price (self);
  double limit = g_settings_get_double (_falstaff_window_get_settings (self), "cost-confirm-limit");
  g_autofree char *money = NULL;
  g_autofree char *limit_text = NULL;
  g_autofree char *text = NULL;
  GtkWidget *dialog;
  Ask *ask;
  double total;

  /* No price, no estimate: nothing to compare (the cost label says why). */
  if (price == NULL || body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return FALSE;
  total = price->unit_price * fal_price_units_for_input (price, json_node_get_object (body));
  if (total <= limit && limit > 0)
    return FALSE;

  money = fal_format_money (total, price->currency);
  limit_text = fal_format_money (limit, price->currency);
  text = g_strdup_printf (_("This run of %s is estimated at %s, above your limit of %s."),
                          _falstaff_window_get_endpoint_id (self), money, limit_text);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Send This Run?"), text);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "run", _("_Run"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "run", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "run");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  ask = g_new0 (Ask, 1);
  ask->window = g_object_ref (self);
  ask->body = json_node_ref (body);
  ask->confirmed = confirmed;
  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), ask);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}
