# SPDX-License-Identifier: GPL-2.0
#
# kmove: regenerate the KVM x86 Shadow MMU split as a proven patch series.
#
#   make            the whole series on the default base (Debian 6.1)
#   make check      the test suite
#   make verify KERNEL=PATH BEFORE=REV AFTER=REV
#   make replay KERNEL=PATH COMMIT=REV [FROM=REV] [ONTO=REV [ONTO_KERNEL=PATH]]
#   make bench      stage costs against their floors
#   make deps       install the Debian packages kmove needs
#   make clean      rm -rf $(OUT)
#
# Variables: KERNEL BASE KVERSION MANIFEST RENAMES SKIP PAGING_TMPL OUT V

KVERSION	?= 6.1
PAGING_TMPL	?= shadow
OUT		?= out
SERIES		?= series/shadow-mmu
KERNEL		?=
BASE		?=
MANIFEST	?=
RENAMES		?=
SKIP		?=
GATES		?= clang,sparse,checkpatch,exports

-include local.mk

V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
endif

LLVM_CONFIG	?= $(firstword $(wildcard /usr/bin/llvm-config-14 /usr/bin/llvm-config))
LLVM_INC	:= $(shell $(LLVM_CONFIG) --includedir 2>/dev/null || echo /usr/lib/llvm-14/include)
LLVM_LIB	:= $(shell $(LLVM_CONFIG) --libdir 2>/dev/null || echo /usr/lib/llvm-14/lib)

CC		?= gcc
CFLAGS		?= -O2 -g
KCFLAGS		:= $(CFLAGS) -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
		   -Wmissing-prototypes -Wstrict-prototypes \
		   -I$(LLVM_INC) -Itools/lib
LDLIBS		:= -L$(LLVM_LIB) -Wl,-rpath,$(LLVM_LIB) -lclang

BIN		:= $(OUT)/bin
OBJ		:= $(OUT)/obj

LIB_OBJS += util.o
LIB_OBJS += findings.o
LIB_OBJS += tu.o
LIB_OBJS += entity.o

VERIFIER_OBJS += main.o
VERIFIER_OBJS += tree.o
VERIFIER_OBJS += compare.o

SPLIT_OBJS += main.o
SPLIT_OBJS += source.o
SPLIT_OBJS += plan.o
SPLIT_OBJS += move.o
SPLIT_OBJS += extract.o
SPLIT_OBJS += leftovers.o

LIB	:= $(addprefix $(OBJ)/lib/,$(LIB_OBJS))
SPLIT	:= $(addprefix $(OBJ)/splitter/,$(SPLIT_OBJS))
VERIFIER := $(addprefix $(OBJ)/move-verifier/,$(VERIFIER_OBJS))

TOOLS := $(BIN)/move-verifier $(BIN)/kmove-split

include tools/export-checker/build.mk

PYTHON		?= python3
KMOVE		:= PYTHONPATH=scripts $(PYTHON) -m kmove

.PHONY: all tools series check verify replay bench deps clean
.DEFAULT_GOAL := all

deps:
	$(Q)sh scripts/deps.sh

all: deps tools
	$(Q)$(KMOVE) series --out $(OUT) --bin $(BIN) --series $(SERIES) \
		--kversion $(KVERSION) --paging-tmpl $(PAGING_TMPL) \
		--gates $(GATES) \
		$(if $(KERNEL),--kernel $(KERNEL)) $(if $(BASE),--base $(BASE)) \
		$(if $(MANIFEST),--manifest $(MANIFEST)) \
		$(if $(RENAMES),--renames $(RENAMES)) $(if $(SKIP),--skip $(SKIP))

tools: $(TOOLS)

$(OBJ)/lib/%.o: tools/lib/%.c tools/lib/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<

$(OBJ)/move-verifier/%.o: tools/move-verifier/%.c tools/move-verifier/*.h tools/lib/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(KCFLAGS) -Itools/move-verifier -c -o $@ $<

$(BIN)/move-verifier: $(VERIFIER) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS)

$(OBJ)/splitter/%.o: tools/splitter/%.c tools/splitter/*.h tools/lib/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(KCFLAGS) -Itools/splitter -c -o $@ $<

$(BIN)/kmove-split: $(SPLIT) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS)

check: deps tools
	$(Q)OUT=$(OUT) KVERSION=$(KVERSION) tests/run

verify: deps tools
	$(Q)test -n "$(KERNEL)" -a -n "$(BEFORE)" -a -n "$(AFTER)" || \
		{ echo "kmove: error: give KERNEL=PATH BEFORE=REV AFTER=REV" >&2; exit 2; }
	$(Q)$(KMOVE) verify --out $(OUT) --kernel $(KERNEL) --before $(BEFORE) \
		--after $(AFTER) $(if $(RENAMES),--renames $(RENAMES)); \
		st=$$?; echo "move-verifier: exit $$st" >&2; exit $$st

replay: deps tools
	$(Q)test -n "$(KERNEL)" -a -n "$(COMMIT)" || \
		{ echo "kmove: error: give KERNEL=PATH COMMIT=REV [FROM=REV] [ONTO=REV [ONTO_KERNEL=PATH]]" >&2; exit 2; }
	$(Q)$(KMOVE) replay --out $(OUT)/replay --bin $(BIN) --gates $(GATES) \
		--kernel $(KERNEL) --commit $(COMMIT) $(if $(FROM),--from $(FROM)) \
		$(if $(ONTO),--onto $(ONTO)) $(if $(ONTO_KERNEL),--onto-kernel $(ONTO_KERNEL)) \
		--kversion $(KVERSION)

bench: deps tools
	$(Q)$(KMOVE) bench --out $(OUT) --bin $(BIN)

clean:
	rm -rf $(OUT)
