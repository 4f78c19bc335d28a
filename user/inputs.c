// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "decode.h"
#include "inputs.h"
#include "redact.h"
#include "proc_ident.h"
#include "snapshot_image.h"

/* Tape payloads are the host's fixed-width fields; every architecture we
 * build for is little-endian, as the tape header says. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "record files are little-endian");

struct stored_task {
	int32_t rc;
	uint8_t state;
	uint8_t sigchld;
	uint16_t reserved;
	uint32_t ppid, session, tty_nr, ns_pid;
	int64_t syscall;
	uint64_t args[6];
	char wchan[64];
};

struct stored_dthread {
	uint32_t tid, tgid;
	uint64_t since_ns;
	int32_t stack_id;
	uint32_t reserved;
};

struct stored_dossier_head {
	uint32_t nr_frames;
	uint32_t have_task;
	struct stored_task task;
};

static void input_error(struct pa_collector *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void input_error(struct pa_collector *c, const char *fmt, ...)
{
	va_list ap;

	if (c->input_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->input_error, sizeof(c->input_error), fmt, ap);
	va_end(ap);
}

void pa_inputs_record(struct pa_collector *c, struct pa_tape *tape)
{
	c->tape = tape;
	c->replaying = false;
}

/* In a replay: the next record, which must be of type want. */
static bool next_answer(struct pa_collector *c, enum pa_tape_type want, const void **data,
			size_t *len, size_t min_len)
{
	enum pa_tape_type type;
	int got = pa_tape_read(c->tape, &type, data, len);

	if (got < 0) {
		input_error(c, "%s", pa_tape_error(c->tape));
		return false;
	}
	if (!got || type != want || *len < min_len) {
		input_error(c, "the record file is out of step at byte %llu: a /proc answer (type %d) was expected",
			    (unsigned long long)pa_tape_offset(c->tape), want);
		return false;
	}
	return true;
}

/* ---- what the collector asks of /proc -------------------------------------- */

static void store_task(struct stored_task *s, int rc, const struct pa_task_info *i)
{
	memset(s, 0, sizeof(*s));
	s->rc = rc;
	if (rc)
		return;
	s->state = (uint8_t)i->state;
	s->sigchld = (uint8_t)i->sigchld;
	s->ppid = i->ppid;
	s->session = i->session;
	s->tty_nr = i->tty_nr;
	s->ns_pid = i->ns_pid;
	s->syscall = i->syscall;
	memcpy(s->args, i->args, sizeof(s->args));
	memcpy(s->wchan, i->wchan, sizeof(s->wchan));
}

static int load_task(const struct stored_task *s, struct pa_task_info *i)
{
	memset(i, 0, sizeof(*i));
	if (s->rc)
		return s->rc;
	i->state = (char)s->state;
	i->sigchld = s->sigchld <= PA_SIG_HANDLED ? (enum pa_sig_disposition)s->sigchld : PA_SIG_UNKNOWN;
	i->ppid = s->ppid;
	i->session = s->session;
	i->tty_nr = s->tty_nr;
	i->ns_pid = s->ns_pid;
	i->syscall = (long)s->syscall;
	memcpy(i->args, s->args, sizeof(i->args));
	memcpy(i->wchan, s->wchan, sizeof(i->wchan));
	i->wchan[sizeof(i->wchan) - 1] = '\0';
	return 0;
}

int pa_input_inspect(struct pa_collector *c, uint32_t pid, struct pa_task_info *info)
{
	struct stored_task s;
	const void *data;
	size_t len;
	int rc;

	if (c->replaying) {
		if (!next_answer(c, PA_TAPE_INSPECT, &data, &len, sizeof(s)))
			return -EIO;
		memcpy(&s, data, sizeof(s));
		return load_task(&s, info);
	}
	rc = c->proc_root ? pa_procfs_inspect(c->proc_root, pid, info) : -ENOENT;
	if (pa_inputs_recording(c)) {
		store_task(&s, rc, info);
		pa_tape_write(c->tape, PA_TAPE_INSPECT, &s, sizeof(s));
	}
	return rc;
}

int pa_input_read_ppid(struct pa_collector *c, uint32_t pid, uint32_t *ppid)
{
	struct {
		int32_t rc;
		uint32_t ppid;
	} s = { 0 };
	const void *data;
	size_t len;

	if (c->replaying) {
		if (!next_answer(c, PA_TAPE_PPID, &data, &len, sizeof(s)))
			return -EIO;
		memcpy(&s, data, sizeof(s));
		*ppid = s.ppid;
		return s.rc;
	}
	s.rc = c->proc_root ? pa_procfs_read_ppid(c->proc_root, pid, &s.ppid) : -ENOENT;
	if (pa_inputs_recording(c))
		pa_tape_write(c->tape, PA_TAPE_PPID, &s, sizeof(s));
	*ppid = s.ppid;
	return s.rc;
}

int pa_input_cwd(struct pa_collector *c, uint32_t pid, char *buf, size_t size)
{
	int32_t rc;
	const void *data;
	size_t len;

	if (c->replaying) {
		if (!next_answer(c, PA_TAPE_CWD, &data, &len, sizeof(rc)))
			return -EIO;
		memcpy(&rc, data, sizeof(rc));
		len -= sizeof(rc);
		if (rc)
			return rc;
		if (len >= size)
			len = size - 1;
		memcpy(buf, (const char *)data + sizeof(rc), len);
		buf[len] = '\0';
		return 0;
	}
	rc = c->proc_root ? pa_proc_read_cwd(c->proc_root, pid, buf, size) : -ENOENT;
	if (pa_inputs_recording(c))
		pa_tape_write2(c->tape, PA_TAPE_CWD, &rc, sizeof(rc), buf, rc ? 0 : strlen(buf));
	return rc;
}

/* Frames, then the file, each NUL-terminated, after the fixed head. */
static void record_dossier(struct pa_collector *c, const struct pa_dossier *d)
{
	struct stored_dossier_head head = { .nr_frames = d->nr_frames, .have_task = d->have_task };
	struct strbuf *sb = &c->scratch;

	store_task(&head.task, d->have_task ? 0 : -ENOENT, &d->task);
	sb_reset(sb);
	sb_append(sb, d->file, strlen(d->file) + 1);
	for (unsigned i = 0; i < d->nr_frames; i++)
		sb_append(sb, d->frames[i], strlen(d->frames[i]) + 1);
	pa_tape_write2(c->tape, PA_TAPE_DOSSIER, &head, sizeof(head), sb->buf, sb->len);
}

static void replay_dossier(struct pa_collector *c, struct pa_dossier *d)
{
	struct stored_dossier_head head;
	const char *p, *end;
	const void *data;
	size_t len;

	memset(d, 0, sizeof(*d));
	if (!next_answer(c, PA_TAPE_DOSSIER, &data, &len, sizeof(head)))
		return;
	memcpy(&head, data, sizeof(head));
	d->have_task = head.have_task && !load_task(&head.task, &d->task);
	p = (const char *)data + sizeof(head);
	end = (const char *)data + len;
	for (int i = -1; p < end && i < (int)head.nr_frames && i < PA_STACK_FRAMES_MAX; i++) {
		size_t n = strnlen(p, end - p);
		char *dst = i < 0 ? d->file : d->frame_buf[i];
		size_t cap = i < 0 ? sizeof(d->file) : PA_FRAME_LEN;

		snprintf(dst, cap, "%.*s", (int)n, p);
		if (i >= 0)
			d->frames[d->nr_frames++] = dst;
		p += n + 1;
	}
}

void pa_input_gather(struct pa_collector *c, uint32_t tgid, uint32_t tid, int32_t stack_id,
		     struct pa_dossier *d)
{
	if (c->replaying) {
		replay_dossier(c, d);
		return;
	}
	pa_collector_gather(c, tgid, tid, stack_id, d);
	if (pa_inputs_recording(c))
		record_dossier(c, d);
}

/* ---- the live side's inputs -------------------------------------------------- */

/* bpf_probe_read_kernel_str leaves the cgroup name's tail as the ring
 * buffer had it: bytes of older records, maybe of a masked argv.  Zeroed,
 * they neither reach the record file nor cost its compressor. */
static void zero_cgroup_tail(struct pa_task_ids *ids)
{
	size_t n = strnlen(ids->cgroup, sizeof(ids->cgroup));

	if (n < sizeof(ids->cgroup))
		memset(ids->cgroup + n, 0, sizeof(ids->cgroup) - n);
}

/* The BPF side zeros the name's room before it reads the name (a fork
 * storm's records then go to the file without a copy); checked all the
 * same, as decode checked the NUL: a stale byte would be a leak. */
static bool cgroup_tail_zero(const struct pa_task_ids *ids)
{
	_Static_assert(sizeof(ids->cgroup) == 96, "six 16-byte loads");
#ifdef __SSE2__
	/* A bit per zero byte; the tail is clean when they run unbroken from
	 * the first to the last byte: adding the lowest bit carries through
	 * them all.  memchr and memcmp took 18 ns a fork (recordbench). */
	unsigned __int128 zeros = 0;

	for (int i = 0; i < 6; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(ids->cgroup + 16 * i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));

		zeros |= (unsigned __int128)m << (16 * i);
	}
	return zeros && zeros + (zeros & -zeros) == (unsigned __int128)1 << 96;
#else
	const char *nul = memchr(ids->cgroup, '\0', sizeof(ids->cgroup));
	size_t rest = nul ? (size_t)(ids->cgroup + sizeof(ids->cgroup) - nul) - 1 : 0;

	/* all zero: the first is, and each equals the next */
	return nul && (!rest || (!nul[1] && !memcmp(nul + 1, nul + 2, rest - 1)));
#endif
}

static void record_fork(struct pa_collector *c, const struct pa_fork_event *e, size_t size)
{
	struct pa_fork_event copy;

	if (cgroup_tail_zero(&e->ids)) {
		pa_tape_write(c->tape, PA_TAPE_RAW, e, size);
		return;
	}
	copy = *e;
	zero_cgroup_tail(&copy.ids);
	pa_tape_write2(c->tape, PA_TAPE_RAW, &copy, sizeof(copy), e + 1, size - sizeof(copy));
}

/* An exec record with its argv masked as the collector will mask it:
 * secrets must not reach the record file either.  Masking is idempotent,
 * so the replay's own masking prints the same line. */
static void record_exec(struct pa_collector *c, const struct pa_exec_event *e)
{
	struct pa_args *args = &c->args; /* on_exec splits it again */
	struct pa_exec_event head = *e;
	struct strbuf *sb = &c->scratch;
	const char *area = pa_exec_args_area(e);

	zero_cgroup_tail(&head.ids);
	if (pa_args_split(args, area, e->args_len)) {
		pa_tape_write(c->tape, PA_TAPE_RAW, &head, sizeof(head)); /* argv left out, not leaked */
		return;
	}
	if (!pa_redact_args(pa_redact_default(), args)) {
		pa_tape_write2(c->tape, PA_TAPE_RAW, &head, sizeof(head), e->data,
			       e->hdr.size - sizeof(head));
		return;
	}
	sb_reset(sb);
	sb_append(sb, pa_exec_filename(e), e->filename_len);
	for (uint32_t i = 0; i < args->count; i++) {
		sb_append(sb, args->arg[i], args->len[i]);
		/* The last string keeps the area's own ending: cut without NUL. */
		if (i + 1 < args->count || area[e->args_len - 1] == '\0')
			sb_putc(sb, '\0');
	}
	if (sizeof(head) + sb->len > UINT16_MAX) { /* masks made it too long: no argv */
		pa_tape_write(c->tape, PA_TAPE_RAW, e, sizeof(*e));
		return;
	}
	head.args_len = (uint16_t)(sb->len - e->filename_len);
	head.hdr.size = (uint16_t)(sizeof(head) + sb->len);
	pa_tape_write2(c->tape, PA_TAPE_RAW, &head, sizeof(head), sb->buf, sb->len);
}

void pa_feed_raw(struct pa_collector *c, const void *data, size_t size)
{
	const struct pa_event_header *h = NULL;
	enum pa_decode_result res = pa_decode(data, size, &h); /* once, for both */

	if (pa_inputs_recording(c)) {
		bool ok = res == PA_DECODE_OK;

		if (ok && h->type == PA_EV_EXEC)
			record_exec(c, (const struct pa_exec_event *)h);
		else if (ok && h->type == PA_EV_FORK)
			record_fork(c, (const struct pa_fork_event *)h, size);
		else
			pa_tape_write(c->tape, PA_TAPE_RAW, data, size);
	}
	pa_collector_handle_decoded(c, res, h);
}

void pa_feed_lost(struct pa_collector *c, uint64_t count, uint64_t now_ns)
{
	uint64_t s[2] = { count, now_ns };

	if (pa_inputs_recording(c))
		pa_tape_write(c->tape, PA_TAPE_LOST, s, sizeof(s));
	pa_collector_lost(c, count, now_ns);
}

void pa_feed_tick(struct pa_collector *c, uint64_t now_ns)
{
	if (pa_inputs_recording(c))
		pa_tape_write(c->tape, PA_TAPE_TICK, &now_ns, sizeof(now_ns));
	pa_collector_tick(c, now_ns);
}

void pa_feed_stuck_scan(struct pa_collector *c, const struct pa_dthread *d, size_t n, uint64_t now_ns)
{
	if (pa_inputs_recording(c)) {
		struct strbuf *sb = &c->scratch;

		sb_reset(sb);
		for (size_t i = 0; i < n; i++) {
			struct stored_dthread s = { .tid = d[i].tid, .tgid = d[i].tgid,
						    .since_ns = d[i].since_ns, .stack_id = d[i].stack_id };

			sb_append(sb, (const char *)&s, sizeof(s));
		}
		pa_tape_write2(c->tape, PA_TAPE_DSTATE, &now_ns, sizeof(now_ns), sb->buf, sb->len);
	}
	pa_collector_stuck_scan(c, d, n, now_ns);
}

void pa_feed_snapshot_zombies(struct pa_collector *c, uint64_t now_ns)
{
	if (pa_inputs_recording(c))
		pa_tape_write(c->tape, PA_TAPE_SNAP_ZOMBIES, &now_ns, sizeof(now_ns));
	pa_collector_snapshot_zombies(c, now_ns);
}

static int follow(struct pa_collector *c, uint32_t pid)
{
	struct pa_proc *p = pa_table_find(&c->table, pid);

	if (!p || p->exited)
		return -1;
	pa_table_follow_subtree(p);
	return 0;
}

int pa_feed_follow(struct pa_collector *c, uint32_t pid)
{
	if (pa_inputs_recording(c))
		pa_tape_write(c->tape, PA_TAPE_FOLLOW, &pid, sizeof(pid));
	return follow(c, pid);
}

int pa_feed_snapshot(struct pa_collector *c, bool resync)
{
	return pa_snapshot_feed(c, resync);
}

/* ---- replay --------------------------------------------------------------------- */

/* The boot-clock time an input carries, 0 if none. */
static uint64_t stamp_of(enum pa_tape_type type, const void *data, size_t len)
{
	uint64_t v[2] = { 0, 0 };

	if (type == PA_TAPE_RAW && len >= sizeof(struct pa_event_header))
		return ((const struct pa_event_header *)data)->ts_ns;
	if (type == PA_TAPE_LOST && len >= 16) {
		memcpy(v, data, 16);
		return v[1];
	}
	if ((type == PA_TAPE_TICK || type == PA_TAPE_DSTATE || type == PA_TAPE_SNAP_ZOMBIES) && len >= 8) {
		memcpy(v, data, 8);
		return v[0];
	}
	return 0;
}

static void replay_dstate(struct pa_collector *c, const char *data, size_t len)
{
	static struct pa_dthread d[4096];
	uint64_t now;
	size_t n = 0;

	memcpy(&now, data, sizeof(now));
	for (size_t off = sizeof(now); off + sizeof(struct stored_dthread) <= len && n < 4096;
	     off += sizeof(struct stored_dthread)) {
		struct stored_dthread s;

		memcpy(&s, data + off, sizeof(s));
		d[n++] = (struct pa_dthread){ .tid = s.tid, .tgid = s.tgid, .since_ns = s.since_ns,
					      .stack_id = s.stack_id };
	}
	pa_collector_stuck_scan(c, d, n, now);
}

/* One top-level input.  /proc answers are not top-level: the collector
 * takes them itself while it handles the input that asked. */
static void replay_one(struct pa_collector *c, enum pa_tape_type type, const void *data, size_t len)
{
	uint64_t v[2] = { 0, 0 };
	uint32_t pid;

	switch (type) {
	case PA_TAPE_RAW:
		pa_collector_handle(c, data, len);
		return;
	case PA_TAPE_LOST:
		if (len < 16)
			break;
		memcpy(v, data, 16);
		pa_collector_lost(c, v[0], v[1]);
		return;
	case PA_TAPE_TICK:
		if (len < 8)
			break;
		memcpy(v, data, 8);
		pa_collector_tick(c, v[0]);
		return;
	case PA_TAPE_DSTATE:
		if (len < 8)
			break;
		replay_dstate(c, data, len);
		return;
	case PA_TAPE_SNAP_ZOMBIES:
		if (len < 8)
			break;
		memcpy(v, data, 8);
		pa_collector_snapshot_zombies(c, v[0]);
		return;
	case PA_TAPE_FOLLOW:
		if (len < 4)
			break;
		memcpy(&pid, data, 4);
		follow(c, pid);
		return;
	case PA_TAPE_SNAP_BEGIN:
		pa_snapshot_replay(c, data, len);
		return;
	default:
		break;
	}
	input_error(c, "the record file is out of step at byte %llu: an input of type %d was not expected here",
		    (unsigned long long)pa_tape_offset(c->tape), type);
}

int pa_replay(struct pa_collector *c, struct pa_tape *tape, uint64_t stop_at_ns, char *err,
	      size_t errlen)
{
	enum pa_tape_type type;
	const void *data;
	size_t len;
	int got;

	c->tape = tape;
	c->replaying = true;
	while ((got = pa_tape_read(tape, &type, &data, &len)) > 0) {
		uint64_t stamp = stamp_of(type, data, len);

		if (stop_at_ns && stamp > stop_at_ns)
			break;
		replay_one(c, type, data, len);
		if (c->input_error[0]) {
			snprintf(err, errlen, "%s", c->input_error);
			return -1;
		}
	}
	if (got < 0) {
		snprintf(err, errlen, "%s", pa_tape_error(tape));
		return -1;
	}
	return 0;
}
