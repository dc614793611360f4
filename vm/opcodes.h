/*
 * opcodes.h: the instruction set, declared once as an X-macro list (Wren's
 * wren_opcodes.h, QuickJS's DEF list) instead of Lua's hand-synced
 * lopcodes.h / lopnames.h / ljumptab.h. Including code defines
 *     OP(NAME, FORMAT, SAFEPOINT, "comment")
 * and includes VM_OPCODE_LIST; it expands into the enum (vm.h), the name,
 * format and safepoint tables (disasm.c) and the computed-goto table
 * (interp.c). The list order fixes the dispatch-table order.
 *
 * Departure from the brief's three-column OP(NAME, FORMAT, "comment"): a
 * fourth column says whether the instruction is a safepoint (it may
 * allocate, collect or call), because the compiler must attach a stack map
 * to exactly those pcs and vm_new checks it did.
 *
 * Encoding: 32-bit words, register machine in Lua 5.4's style, but with an
 * 8-bit opcode and no k bit (a flag goes in C where needed):
 *
 *     31       24 23       16 15        8 7         0
 *    |     C     |     B     |     A     |    op     |   iABC
 *    |          Bx           |     A     |    op     |   iABx  (Bx 0..65535)
 *    |          sBx          |     A     |    op     |   iAsBx (sBx: int16)
 *    |               Ax / sJ             |    op     |   iAx / isJ (24 bits)
 *
 * sB and sC are B and C read as int8_t (small immediates); sJ is the 24-bit
 * field read as a signed jump offset relative to the next instruction.
 * R[x] is register x of the current frame (a 64-bit slot), K[x] a constant,
 * G[x] a global, U[x] the x-th captured cell of the running closure.
 * Values are untagged: .i int/bool, .f float, .p reference; the type
 * checker proved every operand's type, so only what it cannot prove is
 * checked here: nil dereference, bounds, division by zero, stack depth.
 *
 * Conditional branches follow Lua 5.4: "IFxx A B k" is always followed by a
 * JMP; when the condition's truth equals k the JMP is taken, otherwise it
 * is skipped. So "if a < b { then } else { else }" is
 *     IFLTI a b 0 ; JMP else ; then...
 */
#ifndef VM_OPCODES_H
#define VM_OPCODES_H

/* Operand formats. */
#define VM_FORMAT_LIST(F) F(iABC) F(iABx) F(iAsBx) F(iAx) F(isJ)

#define VM_OPCODE_LIST \
    OP(MOV,       iABC,  0, "R[A] = R[B]") \
    OP(LOADK,     iABx,  0, "R[A] = K[Bx]") \
    OP(LOADI,     iAsBx, 0, "R[A].i = sBx") \
    OP(LOADF,     iAsBx, 0, "R[A].f = (double)sBx") \
    OP(LOADNIL,   iABC,  0, "R[A].p = nil") \
    OP(LOADTRUE,  iABC,  0, "R[A].i = 1") \
    OP(LOADFALSE, iABC,  0, "R[A].i = 0") \
    OP(GETGLOBAL, iABx,  0, "R[A] = G[Bx]") \
    OP(SETGLOBAL, iABx,  0, "G[Bx] = R[A]") \
    \
    OP(ADDI,      iABC,  0, "R[A].i = R[B].i + R[C].i (wrapping)") \
    OP(SUBI,      iABC,  0, "R[A].i = R[B].i - R[C].i") \
    OP(MULI,      iABC,  0, "R[A].i = R[B].i * R[C].i") \
    OP(DIVI,      iABC,  0, "R[A].i = R[B].i / R[C].i (truncating; error on 0)") \
    OP(MODI,      iABC,  0, "R[A].i = R[B].i % R[C].i (dividend's sign; error on 0)") \
    OP(ADDIK,     iABC,  0, "R[A].i = R[B].i + sC") \
    OP(ADDF,      iABC,  0, "R[A].f = R[B].f + R[C].f") \
    OP(SUBF,      iABC,  0, "R[A].f = R[B].f - R[C].f") \
    OP(MULF,      iABC,  0, "R[A].f = R[B].f * R[C].f") \
    OP(DIVF,      iABC,  0, "R[A].f = R[B].f / R[C].f (IEEE)") \
    OP(MODF,      iABC,  0, "R[A].f = fmod(R[B].f, R[C].f)") \
    OP(BAND,      iABC,  0, "R[A].i = R[B].i & R[C].i") \
    OP(BOR,       iABC,  0, "R[A].i = R[B].i | R[C].i") \
    OP(BXOR,      iABC,  0, "R[A].i = R[B].i ^ R[C].i") \
    OP(SHL,       iABC,  0, "R[A].i = R[B].i << R[C].i (0 when the count is >= 64 or < 0)") \
    OP(SHR,       iABC,  0, "R[A].i = R[B].i >> R[C].i (arithmetic; sign fill when >= 64 or < 0)") \
    OP(NEGI,      iABC,  0, "R[A].i = -R[B].i") \
    OP(NEGF,      iABC,  0, "R[A].f = -R[B].f") \
    OP(NOT,       iABC,  0, "R[A].i = !R[B].i") \
    OP(BNOT,      iABC,  0, "R[A].i = ~R[B].i") \
    OP(ITOF,      iABC,  0, "R[A].f = (double)R[B].i") \
    OP(FTOI,      iABC,  0, "R[A].i = trunc(R[B].f) (saturating; nan -> 0)") \
    OP(SQRTF,     iABC,  0, "R[A].f = sqrt(R[B].f) (the sqrt built-in, inlined)") \
    OP(MADDF,     iABC,  0, "R[A].f = R[A].f + R[B].f * R[C].f (rounded twice: MULF then ADDF, no fma)") \
    OP(MSUBF,     iABC,  0, "R[A].f = R[A].f - R[B].f * R[C].f (rounded twice: MULF then SUBF, no fma)") \
    \
    OP(ADDIFLD,   iABC,  0, "R[A].i = R[A].i + R[B].field[C].i (wrapping; nil check)") \
    OP(SUBIFLD,   iABC,  0, "R[A].i = R[A].i - R[B].field[C].i (wrapping; nil check)") \
    OP(ADDFFLD,   iABC,  0, "R[A].f = R[A].f + R[B].field[C].f (nil check)") \
    OP(SUBFFLD,   iABC,  0, "R[A].f = R[A].f - R[B].field[C].f (nil check)") \
    OP(MULFFLD,   iABC,  0, "R[A].f = R[A].f * R[B].field[C].f (nil check)") \
    OP(DIVFFLD,   iABC,  0, "R[A].f = R[A].f / R[B].field[C].f (nil check)") \
    OP(FLDADDI,   iABC,  0, "R[A].field[B].i += R[C].i (wrapping; nil check)") \
    OP(FLDSUBI,   iABC,  0, "R[A].field[B].i -= R[C].i (wrapping; nil check)") \
    OP(FLDADDF,   iABC,  0, "R[A].field[B].f += R[C].f (nil check)") \
    OP(FLDSUBF,   iABC,  0, "R[A].field[B].f -= R[C].f (nil check)") \
    OP(FLDMULF,   iABC,  0, "R[A].field[B].f *= R[C].f (nil check)") \
    OP(FLDDIVF,   iABC,  0, "R[A].field[B].f /= R[C].f (nil check)") \
    \
    OP(EQI,       iABC,  0, "R[A].i = R[B].i == R[C].i") \
    OP(LTI,       iABC,  0, "R[A].i = R[B].i < R[C].i") \
    OP(LEI,       iABC,  0, "R[A].i = R[B].i <= R[C].i") \
    OP(EQF,       iABC,  0, "R[A].i = R[B].f == R[C].f") \
    OP(LTF,       iABC,  0, "R[A].i = R[B].f < R[C].f") \
    OP(LEF,       iABC,  0, "R[A].i = R[B].f <= R[C].f") \
    OP(EQ,        iABC,  0, "R[A].i = R[B].p == R[C].p (references: identity)") \
    OP(EQS,       iABC,  0, "R[A].i = R[B] == R[C] (strings: content)") \
    OP(LTS,       iABC,  0, "R[A].i = R[B] < R[C] (strings: bytewise)") \
    OP(LES,       iABC,  0, "R[A].i = R[B] <= R[C] (strings: bytewise)") \
    \
    OP(TEST,      iABC,  0, "if (R[A].i != 0) == C then take the next JMP else skip it") \
    OP(IFEQI,     iABC,  0, "if (R[A].i == R[B].i) == C then JMP") \
    OP(IFLTI,     iABC,  0, "if (R[A].i < R[B].i) == C then JMP") \
    OP(IFLEI,     iABC,  0, "if (R[A].i <= R[B].i) == C then JMP") \
    OP(IFEQF,     iABC,  0, "if (R[A].f == R[B].f) == C then JMP") \
    OP(IFLTF,     iABC,  0, "if (R[A].f < R[B].f) == C then JMP") \
    OP(IFLEF,     iABC,  0, "if (R[A].f <= R[B].f) == C then JMP") \
    OP(IFEQ,      iABC,  0, "if (R[A].p == R[B].p) == C then JMP (identity)") \
    OP(IFEQS,     iABC,  0, "if (R[A] == R[B]) == C then JMP (string content)") \
    OP(IFLTS,     iABC,  0, "if (R[A] < R[B]) == C then JMP (strings)") \
    OP(IFLES,     iABC,  0, "if (R[A] <= R[B]) == C then JMP (strings)") \
    OP(IFEQIK,    iABC,  0, "if (R[A].i == sB) == C then JMP") \
    OP(IFLTIK,    iABC,  0, "if (R[A].i < sB) == C then JMP") \
    OP(IFLEIK,    iABC,  0, "if (R[A].i <= sB) == C then JMP") \
    OP(IFGTIK,    iABC,  0, "if (R[A].i > sB) == C then JMP") \
    OP(IFGEIK,    iABC,  0, "if (R[A].i >= sB) == C then JMP") \
    OP(IFNIL,     iABC,  0, "if (R[A].p == nil) == C then JMP") \
    OP(IFNILFLD,  iABC,  0, "if (R[A].field[B].p == nil) == C then JMP (nil check on R[A])") \
    OP(JMP,       isJ,   0, "pc += sJ") \
    OP(FORPREP,   iABx,  0, "R[A]=from, R[A+1]=to: if R[A] >= R[A+1] pc += Bx else R[A+2] = R[A]") \
    OP(FORLOOP,   iABx,  0, "R[A] += 1; if R[A] < R[A+1] { R[A+2] = R[A]; pc -= Bx }") \
    OP(FORPREPS,  iABx,  0, "R[A]=from, R[A+1]=to, R[A+3]=step (error if 0): if R[A] is not before R[A+1] in the step's direction pc += Bx else R[A+2] = R[A]") \
    OP(FORLOOPS,  iABx,  0, "if R[A] + R[A+3] is before R[A+1] (exactly, no wrap) { R[A] += R[A+3]; R[A+2] = R[A]; pc -= Bx }") \
    \
    OP(NEWSTRUCT, iABx,  1, "R[A] = new struct of struct type Bx (zeroed)") \
    OP(NEWSTRUCTV, iABx, 1, "R[A] = new struct of struct type Bx, its n fields from R[A+1..A+n]") \
    OP(GETFIELD,  iABC,  0, "R[A] = R[B].field[C] (nil check)") \
    OP(SETFIELD,  iABC,  0, "R[A].field[B] = R[C] (nil check)") \
    OP(NEWARRAY,  iABC,  1, "R[A] = new array of R[B].i zero elements; C=1: elements are references") \
    OP(GETINDEX,  iABC,  0, "R[A] = R[B][R[C].i] (nil and bounds check)") \
    OP(SETINDEX,  iABC,  0, "R[A][R[B].i] = R[C] (nil and bounds check)") \
    OP(LEN,       iABC,  0, "R[A].i = len(R[B]) (array or map: the first word; nil is 0)") \
    OP(LENS,      iABC,  0, "R[A].i = len(R[B]) (string)") \
    OP(PUSH,      iABC,  1, "push(R[A], R[B]) (nil check; may grow the backing store)") \
    OP(NEWMAP,    iABC,  1, "R[A] = new map; B = key kind (0 int, 1 string, 2 bool), C=1: values are references") \
    OP(MAPGET,    iABC,  0, "R[A] = R[B][R[C]] (zero value when missing; nil map reads as empty)") \
    OP(MAPSET,    iABC,  1, "R[A][R[B]] = R[C] (nil check; may grow)") \
    OP(MAPNEXT,   iABC,  0, "cursor R[A].i over map R[B]: next entry -> R[A+1], R[A+2], skip next JMP; at end take it") \
    OP(CONCAT,    iABC,  1, "R[A] = R[B] + R[C] (strings)") \
    \
    OP(NEWCELL,   iABC,  1, "R[A] = new cell holding R[B]; C=1: the cell holds a reference") \
    OP(GETCELL,   iABC,  0, "R[A] = R[B].cell") \
    OP(SETCELL,   iABC,  0, "R[A].cell = R[B]") \
    OP(GETUPVAL,  iABC,  0, "R[A] = U[B].cell") \
    OP(SETUPVAL,  iABC,  0, "U[B].cell = R[A]") \
    OP(CLOSURE,   iABx,  1, "R[A] = closure of proto Bx capturing its upvalue descriptors' cells") \
    \
    OP(CALL,      iABx,  1, "call proto Bx with args R[A..]; result in R[A]") \
    OP(CALLR,     iABC,  1, "call closure R[B] (nil check) with args R[A..]; result in R[A]") \
    OP(CALLB,     iABC,  1, "builtin B with C args R[A..A+C-1]; result in R[A]; an EXTRAARG follows") \
    OP(EXTRAARG,  iAx,   0, "operand of the previous instruction (CALLB: type list offset)") \
    OP(RETURN,    iABC,  0, "return R[A]") \
    OP(RETURN0,   iABC,  0, "return (no value)") \
    OP(RETURNI,   iAsBx, 0, "return sBx as an int (also bool and nil: the untagged word)") \
    OP(HALT,      iABC,  0, "leave the interpreter: the bottom frame returns to it (never in a program)")

typedef enum vm_opcode {
#define OP(name, fmt, sp, doc) OP_##name,
    VM_OPCODE_LIST
#undef OP
    VM_NUM_OPCODES
} vm_opcode;

typedef enum vm_format {
#define F(name) VM_FMT_##name,
    VM_FORMAT_LIST(F)
#undef F
} vm_format;

/* Field access. */
#define VM_OP(i) ((vm_opcode)((i) & 0xFFu))
#define VM_A(i) ((int)(((i) >> 8) & 0xFFu))
#define VM_B(i) ((int)(((i) >> 16) & 0xFFu))
#define VM_C(i) ((int)((i) >> 24))
#define VM_SB(i) ((int)(int8_t)(((i) >> 16) & 0xFFu))
#define VM_SC(i) ((int)(int8_t)((i) >> 24))
#define VM_BX(i) ((int)((i) >> 16))
#define VM_SBX(i) ((int)(int16_t)((i) >> 16))
#define VM_AX(i) ((int)((i) >> 8))
#define VM_SJ(i) ((int)((int32_t)(i) >> 8))

#define VM_MAXARG_A 255
#define VM_MAXARG_BX 65535
#define VM_MAXARG_SBX 32767
#define VM_MAXARG_AX 0xFFFFFF
#define VM_MAXARG_SJ 0x7FFFFF

/* Encoders (the assembler and the compiler use these). */
#define VM_ABC(op, a, b, c) \
    ((uint32_t)(op) | ((uint32_t)(a) & 0xFFu) << 8 | ((uint32_t)(b) & 0xFFu) << 16 | \
     ((uint32_t)(c) & 0xFFu) << 24)
#define VM_ABX(op, a, bx) ((uint32_t)(op) | ((uint32_t)(a) & 0xFFu) << 8 | ((uint32_t)(bx) & 0xFFFFu) << 16)
#define VM_ASBX(op, a, sbx) VM_ABX(op, a, (uint32_t)(uint16_t)(int16_t)(sbx))
#define VM_AX_(op, ax) ((uint32_t)(op) | ((uint32_t)(ax) & 0xFFFFFFu) << 8)
#define VM_SJ_(op, sj) VM_AX_(op, (uint32_t)(int32_t)(sj))

#endif
