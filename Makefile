# Every target installs what it needs on first use, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The demo's chat page: make demo PORT=8090
PORT ?= 8088
# The browser the page test drives (Debian's package; Playwright cannot download one here).
CHROMIUM ?= /usr/bin/chromium
# The load balancer in front of several instances in the multi-instance test (Debian's package).
HAPROXY ?= /usr/sbin/haproxy

.PHONY: run demo test lint catalogs bench clean service-unit install-service

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

## make run: the bot, with SAFEPERSON_BOT_TOKEN in .env (safeperson init writes the rest)
run: $(INSTALLED)
	$(BIN)/safeperson run

## make demo: a local Telegram, the bot and a chat page; no token, no set-up
demo: $(INSTALLED)
	$(BIN)/safeperson demo --port $(PORT)

## make test: the whole test suite (needs PostgreSQL on 127.0.0.1:5432, as on the CI machines)
test: $(INSTALLED) $(CHROMIUM) $(HAPROXY)
	$(BIN)/python -c "from bot.catalogs import compile_catalogs; compile_catalogs(force=True)"
	SAFEPERSON_TEST_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser test of the demo page"
	$(if $(filter 0,$(shell id -u)),,sudo) sh -c 'export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y chromium || (apt-get update && apt-get install -y chromium)'

$(HAPROXY):
	@echo "Installing Debian's haproxy for the test of several instances behind a load balancer"
	$(if $(filter 0,$(shell id -u)),,sudo) sh -c 'export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y haproxy || (apt-get update && apt-get install -y haproxy)'

## make lint: ruff and mypy --strict
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## make catalogs: extract the English texts and merge them into every language's catalog
catalogs: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -o locales/messages.pot --no-location --sort-output --add-comments=Translators: \
		--project=SafePerson --version=0.1 --copyright-holder="SafePerson contributors" \
		--msgid-bugs-address="" bot handlers
	$(BIN)/python -c "from bot.catalogs import update_catalogs; update_catalogs()"

## make service-unit: print deploy/safeperson.service with this folder's paths
service-unit:
	@sed -e 's|/opt/safeperson/.venv|$(abspath $(VENV))|g' -e 's|/opt/safeperson|$(CURDIR)|g' \
		deploy/safeperson.service

## make install-service (as root): run the bot under systemd from this folder, as user safeperson
install-service: $(INSTALLED)
	@case "$(CURDIR)/" in /home/*|/root/*|/tmp/*) \
		echo "The service cannot see $(CURDIR) (ProtectHome, PrivateTmp): put the folder in /opt or /srv"; \
		exit 1;; esac
	@test -f .env && test -f safeperson.toml || { echo "Run \`.venv/bin/safeperson init\` first"; exit 1; }
	id -u safeperson >/dev/null 2>&1 || useradd --system --home-dir $(CURDIR) --no-create-home \
		--shell /usr/sbin/nologin safeperson
	$(BIN)/python -c "from bot.catalogs import compile_catalogs; compile_catalogs()"
# The code stays root's: the service reads .env and writes only its database in this folder.
	chown safeperson:safeperson $(CURDIR) .env $(wildcard safeperson.db*)
	chmod 0600 .env
	$(MAKE) --no-print-directory service-unit > /etc/systemd/system/safeperson.service
	systemctl daemon-reload
	systemctl enable --now safeperson
	@echo "Started. Follow it with: journalctl -u safeperson -f"

bench: $(INSTALLED)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) build *.egg-info locales/*/LC_MESSAGES/*.mo
