/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FAL_LOCAL_FAULT_HEADER "x-fal-fault"
/* The most lines a log-flood fault may ask for. */
#define FAL_LOCAL_LOG_FLOOD_MAX 200000

/* One injected fault, parsed from "key=value; key; …" (see
 * docs/local-server.md). -1 marks an unused count. */
typedef struct {
  char *spec;
  guint status;               /* answer this status at once */
  char *retry_after;
  gboolean with_request_id;   /* x-fal-request-id on the fault answer */
  gboolean timeout_user;      /* X-Fal-Request-Timeout-Type: user */
  char *error_type;
  char *body;                 /* raw body for the status answer */
  gboolean stall;
  guint stall_ms;             /* 0 with stall: until the client leaves */
  gint drop_bytes;            /* close the connection after this much body */
  gint truncate_bytes;        /* full Content-Length, then close early */
  gint drop_after_events;     /* SSE: close without ending the body */
  gint end_after_events;      /* SSE: end the body cleanly, early */
  gint error_event_after;     /* /stream: an {"error": …} event after N */
  gboolean malformed;         /* JSON bodies and SSE data become broken */
  gboolean non_sse;           /* /stream answers a non-SSE body */
  guint log_flood;            /* the job logs this many extra lines */
  guint fail_status;          /* the job ends COMPLETED with error, result answers this */
  char *fail_error_type;
} FalLocalFault;

FalLocalFault *fal_local_fault_parse (const char  *spec,
                                      GError     **error);
void           fal_local_fault_free  (FalLocalFault *fault);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalLocalFault, fal_local_fault_free)

/* Faults for the next N requests that match a method and a path regex. */
#define FAL_LOCAL_TYPE_FAULTS (fal_local_faults_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalFaults, fal_local_faults, FAL_LOCAL, FAULTS, GObject)

FalLocalFaults *fal_local_faults_new   (void);
gboolean        fal_local_faults_add   (FalLocalFaults  *self,
                                        const char      *method,
                                        const char      *path_regex,
                                        guint            count,
                                        const char      *spec,
                                        GError         **error);
/* The fault for this request, if a rule matches (its count goes down). */
FalLocalFault  *fal_local_faults_take  (FalLocalFaults  *self,
                                        const char      *method,
                                        const char      *path);
JsonNode       *fal_local_faults_list  (FalLocalFaults  *self);
void            fal_local_faults_clear (FalLocalFaults  *self);

G_END_DECLS
