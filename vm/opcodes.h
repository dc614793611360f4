/*
 * opcodes.h: the instruction set, declared once as an X-macro list (Wren's
 * wren_opcodes.h, QuickJS's DEF list) instead of Lua's hand-synced
 * lopcodes.h / lopnames.h / ljumptab.h. Including code defines
 *     OP(NAME, FORMAT, A, B, C, FLAGS, "comment")
 * and includes VM_OPCODE_LIST; it expands into the enum (below), the name,
 * format, role and flag tables (opcodes.c) and the computed-goto table
 * (interp.c). The list order fixes the dispatch-table order.
 *
 * The columns A, B, C are the operand roles (Lua keeps the same facts as
 * data in luaP_opmodes): what each field of the instruction names. For
 * iABx and iAsBx the B column describes Bx or sBx; for iAx and isJ the A
 * column describes Ax or sJ. The verifier (program.c), the liveness
 * analysis (lang/liveness.c) and the compiler's reference flags read them,
 * so an operand's meaning is written here and nowhere else:
 *     _      unused
 *     R      a register read; whether it holds a reference depends on the
 *            program (the compiler says so per instruction)
 *     P      a register read that holds a reference whatever the program
 *     W      a register written
 *     RW     a register read and written (R's rule for the read)
 *     PREP   R[A], R[A+1] read (ints), R[A+2] written        (FORPREP)
 *     LOOP   R[A], R[A+1] read, R[A] and R[A+2] written      (FORLOOP)
 *     PREPS  PREP, and the step R[A+3] read (an int)         (FORPREPS)
 *     LOOPS  LOOP, and the step R[A+3] read (an int)         (FORLOOPS)
 *     NEXT   R[A] read, R[A..A+2] written                    (MAPNEXT)
 *     CALLW  a call window: arguments from R[A..] (the compiler lists the
 *            references), R[A..] up to the frame's end written
 *     ARGS   R[A..A+C-1] read (listed by the compiler), R[A..A+max(C,1)-1]
 *            written                                          (CALLB)
 *     VALS   R[A] written, R[A+1..A+n] read, n the struct's field count
 *     K G U  a constant, a global, a captured cell of the running closure
 *     FN ST  a proto, a struct type
 *     BI N   a built-in (an index of the program's built-in table), an
 *            argument count
 *     FLD    a field index of the struct operand
 *     IMM    an immediate (sB, sC, sBx)
 *     FLAG   the k bit of a test: take the JMP when the test equals it
 *     KEY    a map key kind (vm_mapkey)
 *     REFS   1 when the new object's elements are references
 *     J      a jump offset (sJ) from the next instruction
 *     JF JB  a forward (FORPREP, FORPREPS) or backward (FORLOOP, FORLOOPS)
 *            jump of Bx
 *     TL     a type list offset (EXTRAARG)
 * FLAGS: SP a safepoint (it may allocate, collect or call: the compiler
 * attaches a stack map to exactly those pcs and the verifier checks it
 * did), T a test that a JMP follows, RET the end of the function, 0 none.
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

#include <stdint.h>

/* Operand formats. */
#define VM_FORMAT_LIST(F) F(iABC) F(iABx) F(iAsBx) F(iAx) F(isJ)

#define VM_OPCODE_LIST \
    OP(MOV,       iABC,  W,    R,   _,   0,   "R[A] = R[B]") \
    OP(LOADK,     iABx,  W,    K,   _,   0,   "R[A] = K[Bx]") \
    OP(LOADI,     iAsBx, W,    IMM, _,   0,   "R[A].i = sBx") \
    OP(LOADF,     iAsBx, W,    IMM, _,   0,   "R[A].f = (double)sBx") \
    OP(LOADNIL,   iABC,  W,    _,   _,   0,   "R[A].p = nil") \
    OP(LOADTRUE,  iABC,  W,    _,   _,   0,   "R[A].i = 1") \
    OP(LOADFALSE, iABC,  W,    _,   _,   0,   "R[A].i = 0") \
    OP(GETGLOBAL, iABx,  W,    G,   _,   0,   "R[A] = G[Bx]") \
    OP(SETGLOBAL, iABx,  R,    G,   _,   0,   "G[Bx] = R[A] (a scalar)") \
    OP(SETGLOBALP, iABx, P,    G,   _,   0,   "G[Bx] = R[A] (a reference: through the write barrier)") \
    \
    OP(ADDI,      iABC,  W,    R,   R,   0,   "R[A].i = R[B].i + R[C].i (wrapping)") \
    OP(SUBI,      iABC,  W,    R,   R,   0,   "R[A].i = R[B].i - R[C].i") \
    OP(MULI,      iABC,  W,    R,   R,   0,   "R[A].i = R[B].i * R[C].i") \
    OP(DIVI,      iABC,  W,    R,   R,   0,   "R[A].i = R[B].i / R[C].i (truncating; error on 0)") \
    OP(MODI,      iABC,  W,    R,   R,   0,   "R[A].i = R[B].i % R[C].i (dividend's sign; error on 0)") \
    OP(ADDIK,     iABC,  W,    R,   IMM, 0,   "R[A].i = R[B].i + sC") \
    OP(ADDF,      iABC,  W,    R,   R,   0,   "R[A].f = R[B].f + R[C].f") \
    OP(SUBF,      iABC,  W,    R,   R,   0,   "R[A].f = R[B].f - R[C].f") \
    OP(MULF,      iABC,  W,    R,   R,   0,   "R[A].f = R[B].f * R[C].f") \
    OP(DIVF,      iABC,  W,    R,   R,   0,   "R[A].f = R[B].f / R[C].f (IEEE)") \
    OP(MODF,      iABC,  W,    R,   R,   0,   "R[A].f = fmod(R[B].f, R[C].f)") \
    OP(BAND,      iABC,  W,    R,   R,   0,   "R[A].i = R[B].i & R[C].i") \
    OP(BOR,       iABC,  W,    R,   R,   0,   "R[A].i = R[B].i | R[C].i") \
    OP(BXOR,      iABC,  W,    R,   R,   0,   "R[A].i = R[B].i ^ R[C].i") \
    OP(SHL,       iABC,  W,    R,   R,   0,   "R[A].i = R[B].i << R[C].i (0 when the count is >= 64 or < 0)") \
    OP(SHR,       iABC,  W,    R,   R,   0,   "R[A].i = R[B].i >> R[C].i (arithmetic; sign fill when >= 64 or < 0)") \
    OP(NEGI,      iABC,  W,    R,   _,   0,   "R[A].i = -R[B].i") \
    OP(NEGF,      iABC,  W,    R,   _,   0,   "R[A].f = -R[B].f") \
    OP(NOT,       iABC,  W,    R,   _,   0,   "R[A].i = !R[B].i") \
    OP(BNOT,      iABC,  W,    R,   _,   0,   "R[A].i = ~R[B].i") \
    OP(ITOF,      iABC,  W,    R,   _,   0,   "R[A].f = (double)R[B].i") \
    OP(FTOI,      iABC,  W,    R,   _,   0,   "R[A].i = trunc(R[B].f) (saturating; nan -> 0)") \
    OP(SQRTF,     iABC,  W,    R,   _,   0,   "R[A].f = sqrt(R[B].f) (the sqrt built-in, inlined)") \
    OP(MADDF,     iABC,  RW,   R,   R,   0,   "R[A].f = R[A].f + R[B].f * R[C].f (rounded twice: MULF then ADDF, no fma)") \
    OP(MSUBF,     iABC,  RW,   R,   R,   0,   "R[A].f = R[A].f - R[B].f * R[C].f (rounded twice: MULF then SUBF, no fma)") \
    \
    OP(ADDIFLD,   iABC,  RW,   P,   FLD, 0,   "R[A].i = R[A].i + R[B].field[C].i (wrapping; nil check)") \
    OP(SUBIFLD,   iABC,  RW,   P,   FLD, 0,   "R[A].i = R[A].i - R[B].field[C].i (wrapping; nil check)") \
    OP(ADDFFLD,   iABC,  RW,   P,   FLD, 0,   "R[A].f = R[A].f + R[B].field[C].f (nil check)") \
    OP(SUBFFLD,   iABC,  RW,   P,   FLD, 0,   "R[A].f = R[A].f - R[B].field[C].f (nil check)") \
    OP(MULFFLD,   iABC,  RW,   P,   FLD, 0,   "R[A].f = R[A].f * R[B].field[C].f (nil check)") \
    OP(DIVFFLD,   iABC,  RW,   P,   FLD, 0,   "R[A].f = R[A].f / R[B].field[C].f (nil check)") \
    OP(FLDADDI,   iABC,  P,    FLD, R,   0,   "R[A].field[B].i += R[C].i (wrapping; nil check)") \
    OP(FLDSUBI,   iABC,  P,    FLD, R,   0,   "R[A].field[B].i -= R[C].i (wrapping; nil check)") \
    OP(FLDADDF,   iABC,  P,    FLD, R,   0,   "R[A].field[B].f += R[C].f (nil check)") \
    OP(FLDSUBF,   iABC,  P,    FLD, R,   0,   "R[A].field[B].f -= R[C].f (nil check)") \
    OP(FLDMULF,   iABC,  P,    FLD, R,   0,   "R[A].field[B].f *= R[C].f (nil check)") \
    OP(FLDDIVF,   iABC,  P,    FLD, R,   0,   "R[A].field[B].f /= R[C].f (nil check)") \
    \
    OP(EQI,       iABC,  W,    R,   R,   0,   "R[A].i = R[B].i == R[C].i") \
    OP(LTI,       iABC,  W,    R,   R,   0,   "R[A].i = R[B].i < R[C].i") \
    OP(LEI,       iABC,  W,    R,   R,   0,   "R[A].i = R[B].i <= R[C].i") \
    OP(EQF,       iABC,  W,    R,   R,   0,   "R[A].i = R[B].f == R[C].f") \
    OP(LTF,       iABC,  W,    R,   R,   0,   "R[A].i = R[B].f < R[C].f") \
    OP(LEF,       iABC,  W,    R,   R,   0,   "R[A].i = R[B].f <= R[C].f") \
    OP(EQ,        iABC,  W,    P,   P,   0,   "R[A].i = R[B].p == R[C].p (references: identity)") \
    OP(EQS,       iABC,  W,    P,   P,   0,   "R[A].i = R[B] == R[C] (strings: content)") \
    OP(LTS,       iABC,  W,    P,   P,   0,   "R[A].i = R[B] < R[C] (strings: bytewise)") \
    OP(LES,       iABC,  W,    P,   P,   0,   "R[A].i = R[B] <= R[C] (strings: bytewise)") \
    \
    OP(TEST,      iABC,  R,    _,   FLAG,T,   "if (R[A].i != 0) == C then take the next JMP else skip it") \
    OP(IFEQI,     iABC,  R,    R,   FLAG,T,   "if (R[A].i == R[B].i) == C then JMP") \
    OP(IFLTI,     iABC,  R,    R,   FLAG,T,   "if (R[A].i < R[B].i) == C then JMP") \
    OP(IFLEI,     iABC,  R,    R,   FLAG,T,   "if (R[A].i <= R[B].i) == C then JMP") \
    OP(IFEQF,     iABC,  R,    R,   FLAG,T,   "if (R[A].f == R[B].f) == C then JMP") \
    OP(IFLTF,     iABC,  R,    R,   FLAG,T,   "if (R[A].f < R[B].f) == C then JMP") \
    OP(IFLEF,     iABC,  R,    R,   FLAG,T,   "if (R[A].f <= R[B].f) == C then JMP") \
    OP(IFEQ,      iABC,  P,    P,   FLAG,T,   "if (R[A].p == R[B].p) == C then JMP (identity)") \
    OP(IFEQS,     iABC,  P,    P,   FLAG,T,   "if (R[A] == R[B]) == C then JMP (string content)") \
    OP(IFLTS,     iABC,  P,    P,   FLAG,T,   "if (R[A] < R[B]) == C then JMP (strings)") \
    OP(IFLES,     iABC,  P,    P,   FLAG,T,   "if (R[A] <= R[B]) == C then JMP (strings)") \
    OP(IFEQIK,    iABC,  R,    IMM, FLAG,T,   "if (R[A].i == sB) == C then JMP") \
    OP(IFLTIK,    iABC,  R,    IMM, FLAG,T,   "if (R[A].i < sB) == C then JMP") \
    OP(IFLEIK,    iABC,  R,    IMM, FLAG,T,   "if (R[A].i <= sB) == C then JMP") \
    OP(IFGTIK,    iABC,  R,    IMM, FLAG,T,   "if (R[A].i > sB) == C then JMP") \
    OP(IFGEIK,    iABC,  R,    IMM, FLAG,T,   "if (R[A].i >= sB) == C then JMP") \
    OP(IFNIL,     iABC,  P,    _,   FLAG,T,   "if (R[A].p == nil) == C then JMP") \
    OP(IFNILFLD,  iABC,  P,    FLD, FLAG,T,   "if (R[A].field[B].p == nil) == C then JMP (nil check on R[A])") \
    OP(JMP,       isJ,   J,    _,   _,   0,   "pc += sJ") \
    OP(JMPBACK,   isJ,   J,    _,   _,   SP,  "pc += sJ, a loop's back edge: counts a step and polls for the collector") \
    OP(FORPREP,   iABx,  PREP, JF,  _,   0,   "R[A]=from, R[A+1]=to: if R[A] >= R[A+1] pc += Bx else R[A+2] = R[A]") \
    OP(FORLOOP,   iABx,  LOOP, JB,  _,   SP,   "R[A] += 1; if R[A] < R[A+1] { R[A+2] = R[A]; pc -= Bx }") \
    OP(FORPREPS,  iABx,  PREPS,JF,  _,   0,   "R[A]=from, R[A+1]=to, R[A+3]=step (error if 0): if R[A] is not before R[A+1] in the step's direction pc += Bx else R[A+2] = R[A]") \
    OP(FORLOOPS,  iABx,  LOOPS,JB,  _,   SP,  "if R[A] + R[A+3] is before R[A+1] (exactly, no wrap) { R[A] += R[A+3]; R[A+2] = R[A]; pc -= Bx }") \
    \
    OP(NEWSTRUCT, iABx,  W,    ST,  _,   SP,  "R[A] = new struct of struct type Bx (zeroed)") \
    OP(NEWSTRUCTV,iABx,  VALS, ST,  _,   SP,  "R[A] = new struct of struct type Bx, its n fields from R[A+1..A+n]") \
    OP(GETFIELD,  iABC,  W,    P,   FLD, 0,   "R[A] = R[B].field[C] (nil check)") \
    OP(SETFIELD,  iABC,  P,    FLD, R,   0,   "R[A].field[B] = R[C] (a scalar; nil check)") \
    OP(SETFIELDP, iABC,  P,    FLD, P,   0,   "R[A].field[B] = R[C] (a reference: write barrier; nil check)") \
    OP(NEWARRAY,  iABC,  W,    R,   REFS,SP,  "R[A] = new array of R[B].i zero elements; C=1: elements are references") \
    OP(GETINDEX,  iABC,  W,    P,   R,   0,   "R[A] = R[B][R[C].i] (nil and bounds check)") \
    OP(SETINDEX,  iABC,  P,    R,   R,   0,   "R[A][R[B].i] = R[C] (a scalar; nil and bounds check)") \
    OP(SETINDEXP, iABC,  P,    R,   P,   0,   "R[A][R[B].i] = R[C] (a reference: write barrier; nil and bounds check)") \
    OP(LEN,       iABC,  W,    P,   _,   0,   "R[A].i = len(R[B]) (array or map: the first word; nil is 0)") \
    OP(LENS,      iABC,  W,    P,   _,   0,   "R[A].i = len(R[B]) (string)") \
    OP(PUSH,      iABC,  P,    R,   _,   SP,  "push(R[A], R[B]) (nil check; may grow the backing store)") \
    OP(NEWMAP,    iABC,  W,    KEY, REFS,SP,  "R[A] = new map; B = key kind (0 int, 1 string, 2 bool), C=1: values are references") \
    OP(MAPGET,    iABC,  W,    P,   R,   0,   "R[A] = R[B][R[C]] (zero value when missing; nil map reads as empty)") \
    OP(MAPSET,    iABC,  P,    R,   R,   SP,  "R[A][R[B]] = R[C] (nil check; may grow)") \
    OP(MAPNEXT,   iABC,  NEXT, P,   _,   T,   "cursor R[A].i over map R[B]: next entry -> R[A+1], R[A+2], skip next JMP; at end take it") \
    OP(CONCAT,    iABC,  W,    P,   P,   SP,  "R[A] = R[B] + R[C] (strings)") \
    \
    OP(NEWCELL,   iABC,  W,    R,   REFS,SP,  "R[A] = new cell holding R[B]; C=1: the cell holds a reference") \
    OP(GETCELL,   iABC,  W,    P,   _,   0,   "R[A] = R[B].cell") \
    OP(SETCELL,   iABC,  P,    R,   _,   0,   "R[A].cell = R[B] (a scalar)") \
    OP(SETCELLP,  iABC,  P,    P,   _,   0,   "R[A].cell = R[B] (a reference: write barrier)") \
    OP(GETUPVAL,  iABC,  W,    U,   _,   0,   "R[A] = U[B].cell") \
    OP(SETUPVAL,  iABC,  R,    U,   _,   0,   "U[B].cell = R[A] (a scalar)") \
    OP(SETUPVALP, iABC,  P,    U,   _,   0,   "U[B].cell = R[A] (a reference: write barrier)") \
    OP(CLOSURE,   iABx,  W,    FN,  _,   SP,  "R[A] = closure of proto Bx capturing its upvalue descriptors' cells") \
    \
    OP(CALL,      iABx,  CALLW,FN,  _,   SP,  "call proto Bx with args R[A..]; result in R[A]") \
    OP(CALLR,     iABC,  CALLW,P,   _,   SP,  "call closure R[B] (nil check) with args R[A..]; result in R[A]") \
    OP(CALLB,     iABC,  ARGS, BI,  N,   SP,  "builtin B with C args R[A..A+C-1]; result in R[A]; an EXTRAARG follows") \
    OP(EXTRAARG,  iAx,   TL,   _,   _,   0,   "operand of the previous instruction (CALLB: type list offset)") \
    OP(RETURN,    iABC,  R,    _,   _,   RET, "return R[A]") \
    OP(RETURN0,   iABC,  _,    _,   _,   RET, "return (no value)") \
    OP(RETURNI,   iAsBx, _,    IMM, _,   RET, "return sBx as an int (also bool and nil: the untagged word)") \
    OP(HALT,      iABC,  _,    _,   _,   RET, "leave the interpreter: the bottom frame returns to it (never in a program)")

typedef enum vm_opcode {
#define OP(name, fmt, a, b, c, flags, doc) OP_##name,
    VM_OPCODE_LIST
#undef OP
    VM_NUM_OPCODES
} vm_opcode;

typedef enum vm_format {
#define F(name) VM_FMT_##name,
    VM_FORMAT_LIST(F)
#undef F
} vm_format;

#define VM_ROLE_LIST(X) \
    X(_) X(R) X(P) X(W) X(RW) X(PREP) X(LOOP) X(PREPS) X(LOOPS) X(NEXT) X(CALLW) X(ARGS) X(VALS) \
    X(K) X(G) X(U) X(FN) X(ST) X(BI) X(N) X(FLD) X(IMM) X(FLAG) X(KEY) X(REFS) \
    X(J) X(JF) X(JB) X(TL)

typedef enum vm_role {
#define X(name) VM_ROLE_##name,
    VM_ROLE_LIST(X)
#undef X
} vm_role;

enum { VM_OPF_0 = 0, VM_OPF_SP = 1, VM_OPF_T = 2, VM_OPF_RET = 4 };

/* Map key kinds (NEWMAP's B). */
typedef enum vm_mapkey { VM_MAPKEY_INT, VM_MAPKEY_STRING, VM_MAPKEY_BOOL } vm_mapkey;

/* The tables (opcodes.c). vm_oproles[op][0..2] are the roles of A, B, C. */
extern const char *const vm_opnames[VM_NUM_OPCODES];
extern const unsigned char vm_opformats[VM_NUM_OPCODES];
extern const unsigned char vm_oproles[VM_NUM_OPCODES][3];
extern const unsigned char vm_opflags[VM_NUM_OPCODES];

static inline int vm_op_safepoint(unsigned op) { return vm_opflags[op] & VM_OPF_SP; }

/* A register operand read as R or RW: the compiler says per instruction
 * whether it holds a reference. */
static inline int vm_role_maybe_ref(unsigned role) { return role == VM_ROLE_R || role == VM_ROLE_RW; }

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
