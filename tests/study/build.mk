# tests/study/: the study tools' suite (`toy types`, `toy sizeclasses`,
# TOYDEBUG=allocprof): exact output on fixed programs and the profile's
# totals against gc_stats.
SUITES += study
.PHONY: test-study
test-study: $(BUILD)/toy $(BUILD)/mksizeclasses
	tests/study/run.sh $(BUILD)/toy $(BUILD)/mksizeclasses
