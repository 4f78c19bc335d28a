// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "inputs.h"
#include "proc_ident.h"
#include "procfs.h"
#include "snapshot_image.h"
#include "tape.h"

struct stored_begin {
	uint8_t resync;
	uint8_t reserved[3];
	int32_t rc;
};

/* Followed by cmdline_len bytes of the command line, then cwd_len of the
 * working directory (no NULs). */
struct stored_proc {
	uint32_t pid, ppid;
	uint64_t start_ns;
	char comm[PA_COMM_LEN];
	uint8_t state, truncated, has_cmdline, ids_known;
	uint32_t nr_threads;
	struct pa_task_ids ids;
	uint32_t cwd_key;
	uint32_t cmdline_len, cwd_len;
	uint32_t reserved;
};

struct stored_thread {
	uint32_t tid, tgid;
	uint64_t start_ns;
	char comm[PA_COMM_LEN];
	uint8_t state, reserved[7];
};

static void begin(struct pa_table *t, bool resync)
{
	struct pa_proc *p, *tmp;
	struct pa_thread *th, *ttmp;

	if (!resync)
		return;
	pa_table_foreach(t, p, tmp)
		p->seen = false;
	/* Every live thread is in the read: the old ones need no keeping. */
	HASH_ITER(hh, t->threads, th, ttmp)
		pa_table_remove_thread(t, th->tid);
}

static void apply_proc(struct pa_table *t, const struct stored_proc *s, const char *cmdline,
		       size_t cmdline_len, const char *cwd, size_t cwd_len)
{
	char dir[PA_CWD_MAX];
	char comm[PA_COMM_LEN + 1];
	char line[PA_PROCFS_CMDLINE_MAX + 1];
	struct pa_proc_info info = {
		.pid = s->pid, .ppid = s->ppid, .start_ns = s->start_ns, .comm = comm,
		.state = (char)s->state, .nr_threads = s->nr_threads,
	};
	struct pa_proc *p;

	memcpy(comm, s->comm, PA_COMM_LEN);
	comm[PA_COMM_LEN] = '\0';
	p = pa_table_upsert(t, &info);
	if (!p)
		return;
	/* Empty: a kernel thread or a zombie; a resync keeps what we knew. */
	if (s->has_cmdline && cmdline_len) {
		if (cmdline_len > PA_PROCFS_CMDLINE_MAX)
			cmdline_len = PA_PROCFS_CMDLINE_MAX;
		memcpy(line, cmdline, cmdline_len);
		line[cmdline_len] = '\0';
		pa_table_set_cmdline(p, line, s->truncated);
	}
	if (s->ids_known)
		pa_table_set_ids(p, &s->ids);
	if (cwd_len && cwd_len < sizeof(dir)) {
		memcpy(dir, cwd, cwd_len);
		dir[cwd_len] = '\0';
		pa_table_set_cwd(p, dir, s->cwd_key);
	}
	p->seen = true;
}

static void apply_thread(struct pa_table *t, const struct stored_thread *s)
{
	char comm[PA_COMM_LEN + 1];

	memcpy(comm, s->comm, PA_COMM_LEN);
	comm[PA_COMM_LEN] = '\0';
	pa_table_add_thread(t, s->tid, s->tgid, s->start_ns, comm, (char)s->state);
}

/* Live processes the read did not see have ended while events were lost;
 * exited ones stay for their reap event.  An incomplete read proves
 * nothing gone. */
static void end(struct pa_table *t, bool resync, int rc)
{
	struct pa_proc *p, *tmp;

	pa_table_link_orphans(t);
	if (!resync || rc < 0)
		return;
	pa_table_foreach(t, p, tmp) {
		if (!p->seen && !p->exited)
			pa_table_remove(t, p);
	}
}

int pa_snapshot_feed(struct pa_collector *c, bool resync)
{
	struct stored_begin b = { .resync = resync };
	struct pa_table scratch;
	struct pa_proc *p, *tmp;
	struct pa_thread *th, *ttmp;

	pa_table_init(&scratch, c->table.boot_id);
	b.rc = c->proc_root ? pa_procfs_snapshot(&scratch, c->proc_root) : -ENOENT;
	if (pa_inputs_recording(c))
		pa_tape_write(c->tape, PA_TAPE_SNAP_BEGIN, &b, sizeof(b));
	begin(&c->table, resync);
	pa_table_foreach(&scratch, p, tmp) {
		struct stored_proc s = {
			.pid = p->pid, .ppid = p->ppid, .start_ns = p->start_ns, .state = (uint8_t)p->state,
			.truncated = p->cmdline_truncated, .has_cmdline = p->cmdline != NULL,
			.nr_threads = p->nr_threads,
		};
		size_t len = p->cmdline ? strlen(p->cmdline) : 0;
		size_t cwd_len = p->cwd ? strlen(p->cwd) : 0;

		memcpy(s.comm, p->comm, PA_COMM_LEN);
		s.ids_known = p->ids_known;
		s.ids = p->ids;
		s.cwd_key = p->cwd_key;
		s.cmdline_len = len;
		s.cwd_len = cwd_len;
		if (pa_inputs_recording(c)) {
			sb_reset(&c->scratch);
			if (len)
				sb_append(&c->scratch, p->cmdline, len);
			if (cwd_len)
				sb_append(&c->scratch, p->cwd, cwd_len);
			pa_tape_write2(c->tape, PA_TAPE_SNAP_PROC, &s, sizeof(s), c->scratch.buf,
				       c->scratch.len);
		}
		apply_proc(&c->table, &s, p->cmdline, len, p->cwd, cwd_len);
	}
	HASH_ITER(hh, scratch.threads, th, ttmp) {
		struct stored_thread s = { .tid = th->tid, .tgid = th->tgid, .start_ns = th->start_ns,
					   .state = (uint8_t)th->state };

		memcpy(s.comm, th->comm, PA_COMM_LEN);
		if (pa_inputs_recording(c))
			pa_tape_write(c->tape, PA_TAPE_SNAP_THREAD, &s, sizeof(s));
		apply_thread(&c->table, &s);
	}
	if (pa_inputs_recording(c))
		pa_tape_write(c->tape, PA_TAPE_SNAP_END, NULL, 0);
	end(&c->table, resync, b.rc);
	pa_table_free(&scratch);
	return b.rc;
}

void pa_snapshot_replay(struct pa_collector *c, const void *data, size_t len)
{
	struct stored_begin b;
	enum pa_tape_type type;
	const void *rec;
	size_t rlen;
	int got;

	if (len < sizeof(b)) {
		snprintf(c->input_error, sizeof(c->input_error), "a damaged snapshot record");
		return;
	}
	memcpy(&b, data, sizeof(b));
	begin(&c->table, b.resync);
	while ((got = pa_tape_read(c->tape, &type, &rec, &rlen)) > 0) {
		if (type == PA_TAPE_SNAP_END) {
			end(&c->table, b.resync, b.rc);
			return;
		}
		if (type == PA_TAPE_SNAP_PROC && rlen >= sizeof(struct stored_proc)) {
			struct stored_proc s;

			memcpy(&s, rec, sizeof(s));
			if ((size_t)s.cmdline_len + s.cwd_len > rlen - sizeof(s))
				break;
			apply_proc(&c->table, &s, (const char *)rec + sizeof(s), s.cmdline_len,
				   (const char *)rec + sizeof(s) + s.cmdline_len, s.cwd_len);
		} else if (type == PA_TAPE_SNAP_THREAD && rlen >= sizeof(struct stored_thread)) {
			struct stored_thread s;

			memcpy(&s, rec, sizeof(s));
			apply_thread(&c->table, &s);
		} else {
			break;
		}
	}
	snprintf(c->input_error, sizeof(c->input_error), "%s",
		 got < 0 ? pa_tape_error(c->tape) : "a snapshot in the record file is cut short or damaged");
}
