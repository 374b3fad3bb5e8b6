"""The nginx configuration the worker tests run is the one the README shows."""

from __future__ import annotations

import re

from tests.workers.cluster import NGINX_SITE, ROOT, render_site


def readme_block() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(
        r"<!-- nginx-config:start -->\n```nginx\n(.*?)```\n<!-- nginx-config:end -->",
        readme,
        re.DOTALL,
    )
    assert found, "README.md has no nginx-config block"
    return found.group(1)


def test_the_readme_shows_the_configuration_the_tests_run() -> None:
    assert readme_block() == NGINX_SITE.read_text()


def test_the_tests_change_only_the_ports() -> None:
    site = NGINX_SITE.read_text()
    rendered = render_site(site, 18080, [18081, 18082])
    assert "listen 127.0.0.1:18080;" in rendered
    assert "server 127.0.0.1:18081 max_fails=1 fail_timeout=2s;" in rendered
    assert "server 127.0.0.1:18082 max_fails=1 fail_timeout=2s;" in rendered
    assert ":8083" not in rendered

    def without_ports(text: str) -> list[str]:
        lines = [line for line in text.splitlines() if "server 127.0.0.1:" not in line]
        return [re.sub(r"listen \S+;", "listen;", line) for line in lines]

    assert without_ports(rendered) == without_ports(site)
