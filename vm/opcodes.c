/*
 * opcodes.c: the opcode tables expanded from opcodes.h's X-macro list:
 * names and formats (the disassembler), operand roles and flags (the
 * verifier in program.c, lang/liveness.c, the compiler's checks). Lua's
 * lopcodes.c holds luaP_opmodes the same way.
 */
#include "vm/opcodes.h"

const char *const vm_opnames[VM_NUM_OPCODES] = {
#define OP(name, fmt, a, b, c, flags, doc) #name,
    VM_OPCODE_LIST
#undef OP
};

const unsigned char vm_opformats[VM_NUM_OPCODES] = {
#define OP(name, fmt, a, b, c, flags, doc) VM_FMT_##fmt,
    VM_OPCODE_LIST
#undef OP
};

const unsigned char vm_oproles[VM_NUM_OPCODES][3] = {
#define OP(name, fmt, a, b, c, flags, doc) {VM_ROLE_##a, VM_ROLE_##b, VM_ROLE_##c},
    VM_OPCODE_LIST
#undef OP
};

const unsigned char vm_opflags[VM_NUM_OPCODES] = {
#define OP(name, fmt, a, b, c, flags, doc) VM_OPF_##flags,
    VM_OPCODE_LIST
#undef OP
};
