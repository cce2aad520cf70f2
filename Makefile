# Wardboard: `make run` for the demo, `make test` for the tests. Both install what is missing.
SHELL := /bin/bash
SWIFT ?= swift
PG := scripts/postgres
export WARDBOARD_PG_PORT ?= 54329

.PHONY: deps build release run test bench-pq bench-import bench-worker bench-http bench-replica bench-national clean-db db-start db-stop db-url leaks

## Debian/Ubuntu packages the project needs (see scripts/deps: libpq headers, the PostgreSQL server and client, pkg-config, curl, python3 with PyYAML and venv).
deps:
	@scripts/deps

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## The demo: private PostgreSQL, the Long Xuyên dataset, API and worker on http://127.0.0.1:8080.
run: deps
	@scripts/demo

## The tests that stop or restart the server, or change its settings, run in a second pass, and
## only against the private cluster: never against a server given by DATABASE_URL. Then the quick start, the compose file
## the contract (schemathesis against a running server, scripts/contract-check) and the pages in
## headless Chromium (scripts/page-check).
test: deps
	@if [ -n "$$DATABASE_URL" ]; then external=1; else DATABASE_URL=$$($(PG) start); fi; export DATABASE_URL; \
	  $(SWIFT) test && \
	  if [ -z "$$external" ]; then \
	    for suite in ServerRestartTests ReadinessTests AutovacuumSwapTests; do WARDBOARD_TEST_DISRUPTIVE=1 $(SWIFT) test --filter $$suite || exit 1; done; \
	    WARDBOARD_TEST_DISRUPTIVE=1 WARDBOARD_TEST_REPLICA_URL=$$(env -u DATABASE_URL $(PG) replica start) $(SWIFT) test --filter ReplicaTests || exit 1; \
	  else echo "skipping the server-restart tests: DATABASE_URL points at a server this project does not manage"; fi && \
	  scripts/quickstart-check && scripts/check-compose && scripts/contract-check && scripts/page-check

bench-pq: deps
	@DATABASE_URL=$${DATABASE_URL:-$$($(PG) start)} && export DATABASE_URL && bench/pq.sh

## Import of the 1000-ward, 60-month dataset beside psql \copy.
bench-import: deps
	@DATABASE_URL=$${DATABASE_URL:-$$($(PG) start)} && export DATABASE_URL && bench/import.sh

## wrk against /compare and /series beside pgbench.
bench-http: deps
	@DATABASE_URL=$${DATABASE_URL:-$$($(PG) start)} && export DATABASE_URL && bench/http.sh

## Viet Nam through the 2025 reorganisation: import, rebuild, edits and reads (bench/national.sh).
bench-national: deps
	@DATABASE_URL=$${DATABASE_URL:-$$($(PG) start)} && export DATABASE_URL && bench/national.sh

## /compare read on the primary and on a streaming replica (scripts/postgres replica), one API process on each;
## then reads on both while a full rebuild on the primary builds and swaps its tables in.
bench-replica: deps
	@DATABASE_URL=$${DATABASE_URL:-$$($(PG) start)} && export DATABASE_URL && bench/replica.sh

## Full rebuild and one-edit latency on the 1000-ward dataset (12 and 60 months of history).
bench-worker: deps
	@DATABASE_URL=$${DATABASE_URL:-$$($(PG) start)} && export DATABASE_URL && bench/worker.sh

## PQ's workload in an AddressSanitizer build under LeakSanitizer.
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
