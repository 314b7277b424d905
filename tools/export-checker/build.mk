# SPDX-License-Identifier: GPL-2.0
#
# export-checker: included by the top Makefile.  Test alone with
#   make -f Makefile -f tools/export-checker/build.mk out/bin/export-checker

EXPORT_CHECKER_OBJS += main.o
EXPORT_CHECKER_OBJS += tree.o
EXPORT_CHECKER_OBJS += strmap.o
EXPORT_CHECKER_OBJS += collect.o
EXPORT_CHECKER_OBJS += check.o
EXPORT_CHECKER_OBJS += fix.o

EXPORT_CHECKER := $(addprefix $(OBJ)/export-checker/,$(EXPORT_CHECKER_OBJS))

TOOLS += $(BIN)/export-checker

$(OBJ)/export-checker/%.o: tools/export-checker/%.c tools/export-checker/*.h tools/lib/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(KCFLAGS) -Itools/export-checker -c -o $@ $<

$(BIN)/export-checker: $(EXPORT_CHECKER) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS)
