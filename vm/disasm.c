/*
 * disasm.c: `toy disasm`: every instruction of a proto with its operands and line, and at
 * each safepoint the live reference slots of its stack map (what Go's
 * -live flag shows). clox's debug.c does the printing by hand per opcode;
 * here the operand format table drives it.
 */
#include "vm/vmint.h"

static void print_const(FILE *out, const vm_const *c)
{
    char num[40];
    switch (c->kind) {
    case VM_CONST_INT:
        fprintf(out, "%lld", (long long)c->v.i);
        break;
    case VM_CONST_FLOAT:
        vm_format_float(num, c->v.f);
        fputs(num, out);
        break;
    default: {
        fputc('"', out);
        for (size_t j = 0; j < c->len; j++) {
            unsigned char ch = (unsigned char)c->s[j];
            if (ch == '"' || ch == '\\')
                fprintf(out, "\\%c", ch);
            else if (ch == '\n')
                fputs("\\n", out);
            else if (ch < 0x20 || ch == 0x7f)
                fprintf(out, "\\x%02x", ch);
            else
                fputc(ch, out);
        }
        fputc('"', out);
    }
    }
}

void vm_disasm_proto(FILE *out, const vm_program *p, const vm_proto *f)
{
    fprintf(out, "fn %s: %d params, %d registers, %u instructions, %u constants, %u captures, "
                 "%u safepoints, %u stack maps\n",
            f->name, f->nparams, f->nregs, f->ncode, f->nk, f->nupvals, f->nsp, f->nmaps);
    for (uint32_t pc = 0; pc < f->ncode; pc++) {
        vm_instr i = f->code[pc];
        unsigned op = VM_OP(i);
        if (op >= VM_NUM_OPCODES) {
            fprintf(out, "%5u  [%4d] ??? 0x%08x\n", pc, f->lines[pc], (unsigned)i);
            continue;
        }
        fprintf(out, "%5u  [%4d] %-10s", pc, f->lines[pc], vm_opnames[op]);
        switch ((vm_format)vm_opformats[op]) {
        case VM_FMT_iABC:
            fprintf(out, " %d %d %d", VM_A(i), VM_B(i), VM_C(i));
            break;
        case VM_FMT_iABx:
            fprintf(out, " %d %d", VM_A(i), VM_BX(i));
            break;
        case VM_FMT_iAsBx:
            fprintf(out, " %d %d", VM_A(i), VM_SBX(i));
            break;
        case VM_FMT_iAx:
            fprintf(out, " %d", VM_AX(i));
            break;
        case VM_FMT_isJ:
            fprintf(out, " %d", VM_SJ(i));
            break;
        }
        /* Comments that name what the operands point at. */
        switch ((vm_opcode)op) {
        case OP_LOADK:
            if ((uint32_t)VM_BX(i) < f->nk) {
                fputs("\t; ", out);
                print_const(out, &f->k[VM_BX(i)]);
            }
            break;
        case OP_GETGLOBAL: case OP_SETGLOBAL: case OP_SETGLOBALP:
            if ((uint32_t)VM_BX(i) < p->nglobals)
                fprintf(out, "\t; %s", p->global_names[VM_BX(i)]);
            break;
        case OP_JMP: case OP_JMPBACK:
            fprintf(out, "\t; to %d", (int)pc + 1 + VM_SJ(i));
            break;
        case OP_FORPREP: case OP_FORPREPS:
            fprintf(out, "\t; exit to %d", (int)pc + 1 + VM_BX(i));
            break;
        case OP_FORLOOP: case OP_FORLOOPS:
            fprintf(out, "\t; to %d", (int)pc + 1 - VM_BX(i));
            break;
        case OP_CALL: case OP_CLOSURE:
            if ((uint32_t)VM_BX(i) < p->nprotos)
                fprintf(out, "\t; %s", p->protos[VM_BX(i)]->name);
            break;
        case OP_CALLB:
            if (VM_B(i) < p->nbuiltins)
                fprintf(out, "\t; %s", p->builtin_names[VM_B(i)]);
            break;
        case OP_NEWSTRUCT: case OP_NEWSTRUCTV:
            if ((uint32_t)VM_BX(i) < p->nstructs)
                fprintf(out, "\t; %s", p->structs[VM_BX(i)].name);
            break;
        default:
            break;
        }
        const uint8_t *map = vm_proto_stackmap(f, pc);
        if (map) {
            fputs("\t; live {", out);
            int n = 0;
            for (int s = 0; s < f->nregs; s++)
                if (map[s / 8] & (1u << (s % 8)))
                    fprintf(out, n++ ? ", %d" : "%d", s);
            fputc('}', out);
        }
        fputc('\n', out);
    }
}

void vm_disasm_program(FILE *out, const vm_program *p)
{
    for (uint32_t j = 0; j < p->nprotos; j++) {
        if (j)
            fputc('\n', out);
        vm_disasm_proto(out, p, p->protos[j]);
    }
}
