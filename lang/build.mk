# lang/: lexer (re2c), parser, checker, compiler, as $(BUILD)/liblang.a.
