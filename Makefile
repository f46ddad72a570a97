# supportd developer tasks. `make help` lists them.

GO      ?= go
BIN     ?= bin/supportd
IMAGE   ?= supportd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
ARGS    ?=

.DEFAULT_GOAL := help

.PHONY: help run test vet lint build docker bench tidy

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

run: ## run the server from source (extra arguments: make run ARGS="...")
	$(GO) run ./cmd/supportd $(ARGS)

test: ## run all tests with the race detector (needs cgo and a C compiler)
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

vet: ## go vet
	$(GO) vet ./...

lint: vet ## go vet, plus staticcheck when it is installed
	@if command -v staticcheck >/dev/null 2>&1; then \
		echo staticcheck ./...; staticcheck ./...; \
	else \
		echo "staticcheck not installed, skipped (go install honnef.co/go/tools/cmd/staticcheck@latest)"; \
	fi

build: ## static binary in bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="$(LDFLAGS)" -o $(BIN) ./cmd/supportd

docker: ## container image supportd:$(VERSION) and supportd:latest
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) -t $(IMAGE):latest .

bench: ## load benchmarks: see bench/README.md
	@echo "Benchmarks are run by hand; see bench/README.md (results go to bench/results/, not committed)."

tidy: ## go mod tidy
	$(GO) mod tidy
