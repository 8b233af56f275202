/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal-job.h"

G_BEGIN_DECLS

/* The interface's properties, in the order a class overrides them. */
typedef enum {
  FAL_JOB_PROP_0,
  FAL_JOB_PROP_ENDPOINT_ID,
  FAL_JOB_PROP_REQUEST_ID,
  FAL_JOB_PROP_STATUS_URL,
  FAL_JOB_PROP_RESPONSE_URL,
  FAL_JOB_PROP_CANCEL_URL,
  FAL_JOB_PROP_STATUS,
  FAL_JOB_PROP_QUEUE_POSITION,
  FAL_JOB_PROP_LOGS,
  FAL_JOB_PROP_OUTPUT,
  FAL_JOB_PROP_ERROR,
  FAL_JOB_PROP_STARTED,
  FAL_JOB_PROP_CONNECTION_LOST,
  FAL_JOB_PROP_SUBMITTED_AT,
  FAL_JOB_PROP_STARTED_AT,
  FAL_JOB_PROP_COMPLETED_AT,
  FAL_JOB_PROP_METRICS,
  FAL_JOB_PROP_IS_STREAM,
  FAL_JOB_N_PROPS
} FalJobProp;

/* Overrides every interface property: class property id first_prop_id +
 * (FalJobProp - 1). */
void         _fal_job_override_properties (GObjectClass *klass,
                                           guint         first_prop_id);
/* get_property for an overridden one (job_prop is the FalJobProp). */
void         _fal_job_get_property        (FalJob       *self,
                                           FalJobProp    job_prop,
                                           GValue       *value);
void         _fal_job_notify              (gpointer      self,
                                           FalJobProp    job_prop);
void         _fal_job_emit_finished       (gpointer      self);
/* What a done run's status is, from its error (NULL: COMPLETED). */
FalJobStatus _fal_job_status_for_error    (const GError *error);

G_END_DECLS
