/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A /proc read as the collector applies it: read into a scratch table,
 * then each process and thread applied to the model in order.  The same
 * steps, taken from a record file, rebuild the same model in a replay.
 */
#ifndef PA_SNAPSHOT_IMAGE_H
#define PA_SNAPSHOT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "collector.h"

/* Live: read c->proc_root and apply it (resync: also forget what is gone),
 * recording the read when c records.  The processes read, or -errno. */
int pa_snapshot_feed(struct pa_collector *c, bool resync);
/* Replay: begin is a SNAP_BEGIN payload; the rest of the read follows on
 * c->tape.  Errors go to c->input_error. */
void pa_snapshot_replay(struct pa_collector *c, const void *begin, size_t len);

#endif
