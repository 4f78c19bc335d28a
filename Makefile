# ptrace-agent build.  `make` builds everything; `make run` and `make test`
# first install missing Debian packages (tools/install-deps.sh).
# Quiet by default; `make V=1` shows the commands.

OUTPUT := .output
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -Ibpf -Iuser -I$(OUTPUT) \
	-DPA_VERSION='"$(VERSION)"' -MMD -MP
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf \
	-Wall -Werror -MMD -MP

# Evaluated lazily: pkg-config may be installed by `make run`/`make test` itself.
LIBBPF_LIBS = $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
# zlib: rotated files are gzip-compressed; ISA-L: record files written
# (2.4 times libdeflate's speed); libdeflate: record files read (twice
# zlib's speed); ncursesw: the live tree view.
NCURSES_LIBS = $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
# libelf: user stacks symbolised from ELF files (deadlock alerts).
AGENT_LIBS = $(LIBBPF_LIBS) -lelf -lz -lisal -ldeflate $(NCURSES_LIBS)
TEST_LIBS = -lcmocka -ljansson -lz -lisal -ldeflate -lelf

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# ---- sources -------------------------------------------------------------
# maps.bpf.c defines what the others declare extern; libbpf 1.1's linker
# resolves map relocations only when the definitions come first.
BPF_SRCS := bpf/maps.bpf.c $(filter-out bpf/maps.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(OUTPUT)/agent.skel.h

# Files that talk to libbpf or ncurses or run the agent; everything else in
# user/ is the kernel-free core that unit tests link.
AGENT_ONLY := user/main.c user/bpf_agent.c user/event_loop.c user/tui.c user/tui_keys.c \
	user/replay_cmd.c
CORE_SRCS := $(filter-out $(AGENT_ONLY),$(wildcard user/*.c))
CORE_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(CORE_SRCS))
AGENT_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(AGENT_ONLY))
AGENT := $(OUTPUT)/ptrace-agent

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_ASAN := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/asan/%,$(UNIT_SRCS))
UNIT_PLAIN := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/plain/%,$(UNIT_SRCS))
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CORE_ASAN_OBJS := $(patsubst user/%.c,$(OUTPUT)/asan/%.o,$(CORE_SRCS))

INTEG_SRCS := $(wildcard tests/integration/test_*.c)
INTEG_LIB_SRCS := $(filter-out $(INTEG_SRCS),$(wildcard tests/integration/*.c))
INTEG_BINS := $(patsubst tests/integration/%.c,$(OUTPUT)/tests/integration/%,$(INTEG_SRCS))
INTEG_LIB_OBJS := $(patsubst tests/integration/%.c,$(OUTPUT)/tests/integration/%.o,$(INTEG_LIB_SRCS))

TOOL_SRCS := $(wildcard tools/scenarios/*.c tools/bench/*.c)
TOOL_BINS := $(patsubst %.c,$(OUTPUT)/%,$(TOOL_SRCS))

.PHONY: all run test bench install clean format
.DELETE_ON_ERROR:

all: $(AGENT) $(TOOL_BINS)

# Each of these first installs the Debian packages it needs, then builds
# in a sub-make (pkg-config may only just have been installed).
run:
	$(Q)tools/install-deps.sh build
	$(Q)$(MAKE) --no-print-directory all
	$(OUTPUT)/ptrace-agent $(ARGS)

test:
	$(Q)tools/install-deps.sh test
	$(Q)$(MAKE) --no-print-directory all unit-bins integ-bins $(FUZZ)
	$(Q)tests/run-tests.sh $(OUTPUT)

bench:
	$(Q)tools/install-deps.sh bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/bench/run.sh $(OUTPUT)
	$(Q)tools/bench/tui.sh $(OUTPUT)
	$(Q)tools/bench/replay.sh $(OUTPUT)
	$(Q)tools/bench/syscalls.sh $(OUTPUT)
	$(Q)tools/bench/deadlock.sh $(OUTPUT)

# ---- BPF -----------------------------------------------------------------
$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/agent.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(OUTPUT)/agent.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name agent_bpf > $@

# ---- user space ----------------------------------------------------------
# Syscall names for the alerts, from the kernel's own numbering in
# linux-libc-dev ("#define __NR_read 0" -> [0] = "read",).
SYSCALL_HDR := $(firstword $(wildcard /usr/include/$(shell gcc -print-multiarch 2>/dev/null)/asm/unistd_64.h /usr/include/*/asm/unistd_64.h /usr/include/asm/unistd_64.h))
$(OUTPUT)/syscall_table.inc: $(SYSCALL_HDR) | $(OUTPUT)/user
	$(call msg,GEN,$@)
	$(Q)sed -n 's/^#define __NR_\([a-z0-9_]*\)[[:space:]]\{1,\}\([0-9]\{1,\}\)$$/\t[\2] = "\1",/p' $< > $@
	$(Q)test -s $@ || { echo "no syscall numbers in $<" >&2; exit 1; }

$(OUTPUT)/user/syscall_names.o $(OUTPUT)/asan/syscall_names.o: $(OUTPUT)/syscall_table.inc

$(OUTPUT)/user/%.o: user/%.c | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(AGENT_OBJS): $(SKEL)

$(AGENT): $(AGENT_OBJS) $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LINK_INPUTS) $(AGENT_LIBS) -o $@

# ---- tools (scenarios, benchmarks) -------------------------------------
$(OUTPUT)/tools/%: tools/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -pthread $< -o $@

# The record-file writer's cost: it links the writer itself.
$(OUTPUT)/tools/bench/tapebench: tools/bench/tapebench.c $(OUTPUT)/user/tape.o \
		$(OUTPUT)/user/tape_codec.o $(OUTPUT)/user/gzip_literals.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ -lisal -ldeflate -o $@

# What recording adds to the collector: it links the collector itself.
$(OUTPUT)/tools/bench/recordbench: tools/bench/recordbench.c $(CORE_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ -lz -lisal -ldeflate -lelf -o $@

# ---- tests ---------------------------------------------------------------
.PHONY: unit-bins integ-bins
unit-bins: $(UNIT_ASAN) $(UNIT_PLAIN)
integ-bins: $(INTEG_BINS)

$(OUTPUT)/asan/%.o: user/%.c | $(OUTPUT)/asan
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -c $< -o $@

# Link only sources and objects: -MMD adds headers to $^ on rebuilds.
LINK_INPUTS = $(filter %.c %.o,$^)

$(OUTPUT)/tests/asan/%: tests/unit/%.c $(CORE_ASAN_OBJS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) $(LINK_INPUTS) $(TEST_LIBS) -o $@

$(OUTPUT)/tests/plain/%: tests/unit/%.c $(CORE_OBJS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LINK_INPUTS) $(TEST_LIBS) -o $@

$(OUTPUT)/tests/integration/%.o: tests/integration/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUTPUT)/tests/integration/test_%: tests/integration/test_%.c $(INTEG_LIB_OBJS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LINK_INPUTS) $(TEST_LIBS) -o $@

# ---- fuzzing ---------------------------------------------------------------
# The record-file reader under libFuzzer (clang's, from libclang-rt-14-dev):
# `make fuzz` mutates from tests/fuzz/corpus for FUZZ_SECONDS; `make test`
# runs the corpus once.  A new seed: PA_SAVE_TAPE=FILE on test_replay.
FUZZ := $(OUTPUT)/fuzz/fuzz_replay
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer

$(FUZZ): tests/fuzz/fuzz_replay.c $(CORE_SRCS) $(OUTPUT)/syscall_table.inc
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -std=c11 -D_GNU_SOURCE $(WARNINGS) -Ibpf -Iuser -I$(OUTPUT) \
		-DPA_VERSION='"$(VERSION)"' $(FUZZ_FLAGS) $(filter %.c,$^) -lelf -lz -lisal -ldeflate -o $@

.PHONY: fuzz
fuzz: $(FUZZ)
	$(Q)work=$$(mktemp -d) && cp tests/fuzz/corpus/* "$$work"/ && \
		$(FUZZ) -max_total_time=$(FUZZ_SECONDS) -timeout=10 "$$work"; rc=$$?; rm -rf "$$work"; exit $$rc

# ---- housekeeping ----------------------------------------------------------
$(OUTPUT)/bpf $(OUTPUT)/user $(OUTPUT)/asan:
	$(Q)mkdir -p $@

install: $(AGENT)
	install -D -m 0755 $(AGENT) $(DESTDIR)$(PREFIX)/sbin/ptrace-agent

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

format:
	clang-format -i bpf/*.c bpf/*.h user/*.c user/*.h tests/*/*.c tools/*/*.c

-include $(wildcard $(OUTPUT)/*/*.d $(OUTPUT)/*/*/*.d)
