/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* JSON members for signals, failed execs and deadlocks (under ptrace_agent). */
#ifndef PA_JSON_SIGNALS_H
#define PA_JSON_SIGNALS_H

#include "json_writer.h"
#include "sink.h"

/* "signal": {name, number, stage, result, action, ..., sender: {pid, thread, name}} */
void pa_json_put_signal(struct jw *w, const struct pa_signal_info *s);
/* "killed_by": {pid, thread: {id}, name}, in an exit's ptrace_agent.exit */
void pa_json_put_killed_by(struct jw *w, const struct pa_kill *k);
/* "exec_failed": {filename, error: "ENOENT", errno} */
void pa_json_put_exec_failed(struct jw *w, const struct pa_exec_failed_info *x);
/* "deadlock": {threads: [tid...], edges: [{thread, waits_for, resource, held_by, ...}]} */
void pa_json_put_deadlock(struct jw *w, const struct pa_deadlock_info *d);

#endif
