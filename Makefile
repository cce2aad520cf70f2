# Wardboard: `make run` for the demo, `make test` for the tests. Both install what is missing.
SHELL := /bin/bash
SWIFT ?= swift
PG := scripts/postgres
export WARDBOARD_PG_PORT ?= 54329

.PHONY: deps build release run test test-unit test-disruptive bench-pq clean-db db-start db-stop db-url leaks

## Debian/Ubuntu packages the project needs (libpq headers, the PostgreSQL server, valgrind for `make leaks`).
deps:
	@scripts/deps

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	@DATABASE_URL=$$($(PG) start) && export DATABASE_URL && .build/release/wardboard version

test: deps
	@DATABASE_URL=$$($(PG) start) && export DATABASE_URL && \
	  $(SWIFT) test && \
	  WARDBOARD_TEST_DISRUPTIVE=1 $(SWIFT) test --filter 'ServerRestartTests|ReadinessTests'

bench-pq: deps
	@DATABASE_URL=$$($(PG) start) && export DATABASE_URL && bench/pq.sh

## Runs the PQ tests under valgrind's leak checker.
leaks: deps
	@DATABASE_URL=$$($(PG) start) && export DATABASE_URL && scripts/leaks

db-start:
	@$(PG) start
db-stop:
	@$(PG) stop
db-url:
	@$(PG) url
clean-db:
	@$(PG) clean
