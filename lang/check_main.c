/*
 * check_main.c: the `toycheck FILE` front door. It type-checks one toy
 * program and prints its diagnostics; exit status 0 (clean), 1 (errors) or
 * 2 (usage, unreadable file). All the logic is in lang_check_file, which
 * `toy check` calls too.
 */
#include "lang/lang.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: toycheck FILE.toy\n");
        return 2;
    }
    return lang_check_file(argv[1], stderr);
}
