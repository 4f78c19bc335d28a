// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --replay FILE: a recorded run through the same collector and sinks.
 * The clock, host name and boot id are the recording's, and every /proc
 * answer comes from the file, so the output is the bytes the live run
 * printed; nothing here reads the machine it runs on.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "host_info.h"
#include "inputs.h"
#include "log.h"

/* "+90s" from the start of the recording, or "2026-11-26T10:01:02Z". */
static int parse_at(const char *s, const struct pa_tape_header *h, uint64_t *boot_ns)
{
	struct tm tm = { 0 };
	uint64_t off;
	const char *end;
	time_t wall;

	if (s[0] == '+') {
		if (pa_parse_duration(s + 1, &off))
			return -1;
		*boot_ns = h->tracing_since_ns + off;
		return 0;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || strcmp(end, "Z"))
		return -1;
	wall = timegm(&tm);
	if (wall < 0 || (int64_t)wall * 1000000000LL < h->boot_to_wall_ns)
		return -1;
	*boot_ns = (uint64_t)((int64_t)wall * 1000000000LL - h->boot_to_wall_ns);
	return 0;
}

static void summary(struct agent *a)
{
	pa_err("replayed %s: %llu events, %llu lost when recorded, %llu malformed, %llu bytes of output dropped",
	       a->cfg.replay, (unsigned long long)a->col.nr_records, (unsigned long long)a->col.nr_lost,
	       (unsigned long long)a->col.nr_bad, (unsigned long long)a->out.bytes_dropped);
}

int pa_agent_replay(struct agent *a)
{
	struct pa_tape_header h;
	uint64_t stop_at = 0;
	char msg[300];
	int err = 1;

	a->tape = pa_tape_open(a->cfg.replay, &h, msg, sizeof(msg));
	if (!a->tape) {
		pa_err("%s", msg);
		return 1;
	}
	if (a->cfg.at && parse_at(a->cfg.at, &h, &stop_at)) {
		pa_err("invalid time '%s' for --at: use +DUR from the start of the recording (e.g. +90s) or a UTC time like 2026-11-26T10:01:02Z",
		       a->cfg.at);
		goto out;
	}
	/* The recording's world: its clock, its host, its boot. */
	a->clock.boot_to_wall_ns = h.boot_to_wall_ns;
	snprintf(a->hostname, sizeof(a->hostname), "%s", h.hostname);
	snprintf(a->boot_id, sizeof(a->boot_id), "%s", h.boot_id);
	pa_host_info_set(&h.host);
	pa_collector_free(&a->col);
	pa_collector_init(&a->col, a->boot_id, NULL);
	a->col.tracing_since_ns = h.tracing_since_ns;
	a->col.zombie_after_ns = h.zombie_after_ns;
	a->col.stuck_after_ns = h.stuck_after_ns;
	a->col.all_transitions = h.flags & PA_TAPE_F_TRANSITIONS;
	a->col.pid_filtered = h.flags & PA_TAPE_F_PID_FILTER;
	/* A --signals recording replays as it printed; --signals also filters any other. */
	a->col.signals_only = a->cfg.signals_only || (h.flags & PA_TAPE_F_SIGNALS_ONLY);
	if (pa_agent_add_sinks(a))
		goto out;
	if (pa_replay(&a->col, a->tape, stop_at, msg, sizeof(msg))) {
		pa_output_flush(&a->out);
		pa_err("cannot replay %s: %s", a->cfg.replay, msg);
		goto out;
	}
	if (a->cfg.mode == PA_MODE_TREE && pa_agent_print_tree(a))
		goto out;
	if (pa_output_flush(&a->out))
		goto out;
	summary(a);
	err = 0;
out:
	pa_tape_close(a->tape);
	a->tape = NULL;
	return err;
}
