/*
 * internal.h: what the files of lang/ share and nobody else needs: the
 * parser entry points on raw text, type interning (types.c) and constant
 * folding (constfold.c).
 */
#ifndef LANG_INTERNAL_H
#define LANG_INTERNAL_H

#include "lang/lang.h"

/* parser.c: text must be NUL-terminated at text[len]. */
lang_program *ps_parse_source(lang_arena *a, lang_diags *d, const char *text, size_t len);
lang_texpr *ps_parse_type_text(lang_arena *a, lang_diags *d, const char *text, size_t len);

/* types.c: every type is made once per program, so pointer equality is
 * type equality. */
lang_type *ck_type_new(lang_arena *a, lang_program *p, lang_type_kind k);
lang_type *ck_array_of(lang_arena *a, lang_program *p, lang_type *elem);
lang_type *ck_map_of(lang_arena *a, lang_program *p, lang_type *key, lang_type *val);
lang_type *ck_chan_of(lang_arena *a, lang_program *p, lang_type *elem);
lang_type *ck_fn_of(lang_arena *a, lang_program *p, lang_type **params, int n,
                    lang_type *result);
/* Index of the first field of st named name, or -1; builds st's
 * field index on first use. */
int ck_field_index(lang_arena *a, lang_struct *st, const char *name);
/* Writes t as the language spells it, truncating to fit n bytes. */
void ck_type_write(const lang_type *t, char *buf, size_t n);

/* constfold.c: fold one operator over constants. Returns NULL, or an
 * error message (overflow, division by zero). */
const char *ck_fold_unary(lx_kind op, const lang_const *x, lang_const *out);
const char *ck_fold_binary(lang_arena *a, lx_kind op, const lang_const *x,
                           const lang_const *y, lang_const *out);

/* The longest string constant folding may build. */
#define LANG_MAX_CONST_STRING (1 << 20)

#endif
