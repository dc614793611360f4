# tests/doc/: the documents' own suite: every command output and program
# output quoted in a Markdown file (a fenced block after a
# `<!-- doc-test ... -->` comment, tests/doc/doccheck.lua) is run and
# compared with what build/toy prints now; Lua blocks run on build/toylua.
DOC_FILES := $(shell find . -name '*.md' -not -path './build*' -not -path './.git/*' | sort)
SUITES += doc
.PHONY: test-doc
test-doc: $(BUILD)/toy $(TOYLUA)
	lua5.4 tests/doc/doccheck.lua $(BUILD)/toy $(DOC_FILES)
