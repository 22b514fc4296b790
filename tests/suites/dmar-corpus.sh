# dmar-corpus.sh - every real DMAR table in tests/data/dmar-corpus and every
# fixture, parsed and compared field by field with the reference listings;
# kept fuzz crashers replayed first.
make --no-print-directory -s check-dmar-corpus
