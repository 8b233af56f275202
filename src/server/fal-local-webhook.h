/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal-local-job.h"
#include "fal-local-request-log.h"
#include "fal-local-webhook-signer.h"

G_BEGIN_DECLS

/* Attempts per webhook: the first and ten retries. */
#define FAL_LOCAL_WEBHOOK_MAX_ATTEMPTS 11
/* The wait before the first retry, doubled before each next one (at
 * speed 1: 5 s, 10 s, … 42 min; about 85 minutes in all). */
#define FAL_LOCAL_WEBHOOK_FIRST_WAIT_MS 5000
/* How long one attempt may take: the first, then each retry (fal's). */
#define FAL_LOCAL_WEBHOOK_FIRST_TIMEOUT_MS 15000
#define FAL_LOCAL_WEBHOOK_RETRY_TIMEOUT_MS 120000
/* X-Fal-Webhook-User-Id: the local server has one user. */
#define FAL_LOCAL_WEBHOOK_USER_ID "falstaff-local"

/* Outgoing webhooks (fal_webhook on a queue submit): when a job ends,
 * POSTs fal's {"request_id", "gateway_request_id", "status": "OK"|"ERROR",
 * "payload", "error"} to the URL, with X-Fal-Webhook-* headers signed as
 * fal signs them (FalLocalWebhookSigner), retrying with exponential
 * backoff (waits divided by the server's speed). Only loopback URLs are
 * taken. Lives on the server's thread. */
#define FAL_LOCAL_TYPE_WEBHOOK (fal_local_webhook_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalWebhook, fal_local_webhook, FAL_LOCAL, WEBHOOK, GObject)

FalLocalWebhook *fal_local_webhook_new       (double              speed,
                                              FalLocalRequestLog *request_log);
/* NULL when the URL can take webhooks, else why not (to free). */
char            *fal_local_webhook_check_url (const char         *url);
/* Delivers when the job ends; log_id is the submit's request log entry,
 * whose "webhook" member then follows the delivery. */
void             fal_local_webhook_watch     (FalLocalWebhook    *self,
                                              FalLocalJob        *job,
                                              const char         *url,
                                              guint64             log_id);
/* The key that signs webhooks, for the JWKS route; NULL if none. */
FalLocalWebhookSigner *fal_local_webhook_get_signer (FalLocalWebhook *self);
/* Cancels every delivery (at server shutdown). */
void             fal_local_webhook_shutdown  (FalLocalWebhook    *self);

G_END_DECLS
