/*
 * lang_fuzz.c: libFuzzer target for toy's front end. Arbitrary bytes go
 * through lexer, parser and checker (lang_unit_check), then through the
 * diagnostic printer and the AST printer, as `toycheck` would run them.
 * Built and run by `make fuzz-lang` (lang/build.mk); the seed corpus is
 * tests/fuzz/corpus/lang (the .toy programs of tests/toy).
 */
#include "lang/lang.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lang_unit *u = lang_unit_new("fuzz.toy", (const char *)data, size);
    if (!u)
        return 0;
    lang_unit_check(u);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out) {
        lang_unit_print_diags(u, out);
        if (u->program)
            fputs(lang_program_to_string(u, u->program), out);
        fclose(out);
    }
    free(buf);
    lang_unit_free(u);
    return 0;
}
