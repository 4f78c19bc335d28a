// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * User stacks from /proc (see ustack.h).  No unwind tables and no frame
 * pointers: a word on the stack that points just after a call instruction
 * is taken for a return address.  A few /proc reads and a symbol table
 * walk per frame, fine for a report made once per deadlock.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "procfs_read.h"
#include "ustack.h"

#if defined(__x86_64__)

/* How much stack above sp is scanned: the frames of the usual lock and
 * I/O wrapper chains, read in one go. */
#define STACK_WINDOW (16 * 1024)
/* "nr six-args sp pc" with 64-bit hex numbers fits easily; "running" too. */
#define SYSCALL_BUF 256
#define PATH_BUF 4096
#define MAPS_INITIAL 64
#define PERMS_LEN 5 /* "r-xp" and its NUL */

/* x86-64 call instructions, as far as needed to recognize one that ends
 * where a return address points. */
#define CALL_MAX_LEN 8 /* REX, FF, ModRM, SIB, disp32 */
#define CALL_REL32_LEN 5
#define OP_CALL_REL32 0xe8
#define OP_GROUP5 0xff /* FF /2 is the indirect near call */
#define REX_MIN 0x40
#define REX_MAX 0x4f
#define FF_CALL_MIN_LEN 2 /* FF, ModRM */
/* ModRM: mod in bits 7-6, reg in 5-3, rm in 2-0; a SIB's base in 2-0. */
#define MODRM_MOD_SHIFT 6
#define MODRM_REG_SHIFT 3
#define MODRM_FIELD_MASK 7
#define MODRM_REG_CALL 2
#define MOD_NO_DISP 0
#define MOD_DISP8 1
#define MOD_DISP32 2
#define MOD_REG 3
#define RM_SIB 4
#define RM_DISP32 5 /* with mod 0: rip-relative; as a SIB base with mod 0: no base, disp32 */
#define DISP8_LEN 1
#define DISP32_LEN 4

struct xmap {
	uint64_t start, end, off;
	char *path; /* as maps shows it; "" when anonymous */
};

/* An ELF file opened during this call; elf NULL when it could not be
 * read, so that it is not tried again. */
struct elf_ref {
	const char *path;
	int fd;
	Elf *elf;
};

struct walk {
	int dir_fd; /* PROC_ROOT/TGID: every read is about the same process */
	int mem_fd;
	struct xmap *maps;
	size_t n_maps, cap_maps;
	/* Each frame brings at most one new file. */
	struct elf_ref elves[PA_USTACK_MAX];
	size_t n_elves;
	struct pa_ustack *out;
};

/* sp and pc, the last two fields of task/TID/syscall. */
static int read_syscall(const struct walk *w, uint32_t tid, uint64_t *sp, uint64_t *pc)
{
	char path[SYSCALL_BUF], buf[SYSCALL_BUF], *tok, *save = NULL;
	uint64_t last[2] = { 0, 0 };
	unsigned n_tok = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "task/%u/syscall", tid);
	n = pa_read_at(w->dir_fd, path, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	if (!strncmp(buf, "running", strlen("running")))
		return -EAGAIN;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		last[0] = last[1];
		last[1] = strtoull(tok, NULL, 0);
		n_tok++;
	}
	/* "-1 sp pc" when blocked outside a system call: still a user pc. */
	if (n_tok < 3 || !last[0] || !last[1])
		return -ENODATA;
	*sp = last[0];
	*pc = last[1];
	return 0;
}

static int add_map(struct walk *w, uint64_t start, uint64_t end, uint64_t off, const char *path)
{
	struct xmap *m;

	if (w->n_maps == w->cap_maps) {
		size_t cap = w->cap_maps ? 2 * w->cap_maps : MAPS_INITIAL;

		m = realloc(w->maps, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		w->maps = m;
		w->cap_maps = cap;
	}
	m = &w->maps[w->n_maps];
	m->path = strdup(path);
	if (!m->path)
		return -ENOMEM;
	m->start = start;
	m->end = end;
	m->off = off;
	w->n_maps++;
	return 0;
}

/* The executable mappings of PROC_ROOT/TGID/maps. */
static int read_maps(struct walk *w)
{
	char perms[PERMS_LEN], *line = NULL;
	size_t size = 0;
	uint64_t start, end, off;
	int fd, pos, err = 0;
	FILE *f;

	fd = openat(w->dir_fd, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	while (!err && getline(&line, &size, f) > 0) {
		pos = -1;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %*s %*s%n", &start, &end,
			   perms, &off, &pos) < 4 || pos < 0 || perms[2] != 'x')
			continue;
		line[strcspn(line, "\n")] = '\0';
		err = add_map(w, start, end, off, line + pos + strspn(line + pos, " "));
	}
	free(line);
	fclose(f);
	return err;
}

static const struct xmap *find_map(const struct walk *w, uint64_t addr)
{
	for (size_t i = 0; i < w->n_maps; i++) {
		if (addr >= w->maps[i].start && addr < w->maps[i].end)
			return &w->maps[i];
	}
	return NULL;
}

/* The length of the FF /2 instruction with this ModRM (and the byte
 * after it, the SIB when there is one); 0 when it is not a call. */
static unsigned ff_call_len(const uint8_t *modrm)
{
	unsigned mod = modrm[0] >> MODRM_MOD_SHIFT;
	unsigned reg = (modrm[0] >> MODRM_REG_SHIFT) & MODRM_FIELD_MASK;
	unsigned rm = modrm[0] & MODRM_FIELD_MASK;
	unsigned len = FF_CALL_MIN_LEN;

	if (reg != MODRM_REG_CALL)
		return 0;
	if (mod == MOD_REG)
		return len;
	if (rm == RM_SIB) {
		len++;
		if (mod == MOD_NO_DISP && (modrm[1] & MODRM_FIELD_MASK) == RM_DISP32)
			len += DISP32_LEN;
	} else if (mod == MOD_NO_DISP && rm == RM_DISP32) {
		len += DISP32_LEN;
	}
	if (mod == MOD_DISP8)
		len += DISP8_LEN;
	else if (mod == MOD_DISP32)
		len += DISP32_LEN;
	return len;
}

/* An indirect call of exactly len bytes, optionally REX-prefixed, at p. */
static bool is_ff_call(const uint8_t *p, unsigned len)
{
	if (p[0] >= REX_MIN && p[0] <= REX_MAX) {
		p++;
		len--;
	}
	return p[0] == OP_GROUP5 && ff_call_len(p + 1) == len;
}

/* Whether addr, in an executable mapping, follows a call instruction. */
static bool follows_call(const struct walk *w, uint64_t addr)
{
	uint8_t code[CALL_MAX_LEN + 1]; /* addr - CALL_MAX_LEN .. addr */
	const uint8_t *at = code + CALL_MAX_LEN;
	const struct xmap *m = find_map(w, addr);
	int32_t rel;

	if (!m || addr - m->start < CALL_MAX_LEN)
		return false;
	if (pread(w->mem_fd, code, sizeof(code), (off_t)(addr - CALL_MAX_LEN)) != sizeof(code))
		return false;
	if (at[-CALL_REL32_LEN] == OP_CALL_REL32) {
		memcpy(&rel, at - sizeof(rel), sizeof(rel));
		/* A direct call goes somewhere executable: fewer stray matches. */
		if (find_map(w, addr + (uint64_t)(int64_t)rel))
			return true;
	}
	for (unsigned len = FF_CALL_MIN_LEN; len <= CALL_MAX_LEN; len++) {
		if (is_ff_call(at - len, len))
			return true;
	}
	return false;
}

static Elf *elf_get(struct walk *w, const char *path)
{
	char full[PATH_BUF];
	struct elf_ref *e;

	for (size_t i = 0; i < w->n_elves; i++) {
		if (!strcmp(w->elves[i].path, path))
			return w->elves[i].elf;
	}
	if (w->n_elves == PA_USTACK_MAX || path[0] != '/')
		return NULL;
	e = &w->elves[w->n_elves++];
	e->path = path;
	e->elf = NULL;
	e->fd = -1;
	/* The path is the process's own: it may live in a container. */
	if (snprintf(full, sizeof(full), "root%s", path) >= (int)sizeof(full))
		return NULL;
	e->fd = openat(w->dir_fd, full, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0)
		return NULL;
	e->elf = elf_begin(e->fd, ELF_C_READ_MMAP, NULL);
	if (e->elf && elf_kind(e->elf) != ELF_K_ELF) {
		elf_end(e->elf);
		e->elf = NULL;
	}
	return e->elf;
}

/* The virtual address of file offset off, by the PT_LOAD that holds it. */
static bool offset_to_vaddr(Elf *elf, uint64_t off, uint64_t *vaddr)
{
	GElf_Phdr ph;
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) {
			*vaddr = off - ph.p_offset + ph.p_vaddr;
			return true;
		}
	}
	return false;
}

/* The function symbol of the table in scn nearest below vaddr.  One whose
 * size says it ends before vaddr is passed over: in a stripped library the
 * nearest exported name would otherwise claim its internal functions. */
static const char *table_sym(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, uint64_t vaddr,
			     uint64_t *value)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	const char *best = NULL, *name;
	GElf_Sym s;

	for (size_t i = 0; data && i < n; i++) {
		if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF)
			continue;
		if (GELF_ST_TYPE(s.st_info) != STT_FUNC && GELF_ST_TYPE(s.st_info) != STT_GNU_IFUNC)
			continue;
		if (s.st_value > vaddr || (s.st_size && vaddr >= s.st_value + s.st_size))
			continue;
		if (best && s.st_value <= *value)
			continue;
		name = elf_strptr(elf, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		best = name;
		*value = s.st_value;
	}
	return best;
}

static const char *nearest_sym(Elf *elf, uint32_t type, uint64_t vaddr, uint64_t *value)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return table_sym(elf, scn, &sh, vaddr, value);
	}
	return NULL;
}

static void add_frame(struct walk *w, uint64_t addr)
{
	char *f = w->out->frames[w->out->nr++];
	const struct xmap *m = find_map(w, addr);
	const char *name = NULL;
	uint64_t off, vaddr = 0, value = 0;
	Elf *elf;

	if (!m) {
		snprintf(f, PA_USTACK_FRAME_LEN, "0x%" PRIx64, addr);
		return;
	}
	off = addr - m->start + m->off;
	elf = elf_get(w, m->path);
	if (elf && offset_to_vaddr(elf, off, &vaddr)) {
		name = nearest_sym(elf, SHT_SYMTAB, vaddr, &value);
		if (!name)
			name = nearest_sym(elf, SHT_DYNSYM, vaddr, &value);
	}
	if (name)
		snprintf(f, PA_USTACK_FRAME_LEN, "%s+0x%" PRIx64 " (%s)", name, vaddr - value, m->path);
	else
		snprintf(f, PA_USTACK_FRAME_LEN, "%s+0x%" PRIx64, *m->path ? m->path : "[anon]", off);
}

/* Return addresses from the words of the stack window above sp. */
static int scan_stack(struct walk *w, uint64_t sp, uint64_t pc)
{
	uint64_t *words = malloc(STACK_WINDOW), last = pc;
	uint64_t base = sp & ~(uint64_t)(sizeof(*words) - 1);
	ssize_t n;

	if (!words)
		return -ENOMEM;
	/* A short read: the stack ends within the window. */
	n = pread(w->mem_fd, words, STACK_WINDOW, (off_t)base);
	if (n < 0) {
		n = -errno;
		free(words);
		return (int)n;
	}
	for (size_t i = 0; i < (size_t)n / sizeof(*words) && w->out->nr < PA_USTACK_MAX; i++) {
		if (words[i] == last || !follows_call(w, words[i]))
			continue;
		add_frame(w, words[i]);
		last = words[i];
	}
	free(words);
	return 0;
}

static void walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->n_elves; i++) {
		if (w->elves[i].elf)
			elf_end(w->elves[i].elf);
		if (w->elves[i].fd >= 0)
			close(w->elves[i].fd);
	}
	for (size_t i = 0; i < w->n_maps; i++)
		free(w->maps[i].path);
	free(w->maps);
	if (w->mem_fd >= 0)
		close(w->mem_fd);
	close(w->dir_fd);
}

int pa_ustack_read(const char *proc_root, uint32_t tgid, uint32_t tid, struct pa_ustack *out)
{
	struct walk w = { .mem_fd = -1, .out = out };
	char dir[PATH_BUF];
	uint64_t sp = 0, pc = 0;
	int err;

	out->nr = 0;
	if (snprintf(dir, sizeof(dir), "%s/%u", proc_root, tgid) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	w.dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w.dir_fd < 0)
		return -errno;
	err = read_syscall(&w, tid, &sp, &pc);
	if (!err)
		err = read_maps(&w);
	if (!err) {
		w.mem_fd = openat(w.dir_fd, "mem", O_RDONLY | O_CLOEXEC);
		err = w.mem_fd < 0 ? -errno : 0;
	}
	if (!err && elf_version(EV_CURRENT) == EV_NONE)
		err = -ENOTSUP;
	if (!err) {
		add_frame(&w, pc);
		err = scan_stack(&w, sp, pc);
	}
	walk_free(&w);
	return err;
}

#else /* !__x86_64__ */

int pa_ustack_read(const char *proc_root, uint32_t tgid, uint32_t tid, struct pa_ustack *out)
{
	(void)proc_root;
	(void)tgid;
	(void)tid;
	out->nr = 0;
	return -ENOTSUP;
}

#endif
