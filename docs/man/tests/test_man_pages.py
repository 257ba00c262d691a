# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The man pages as the packages install them: tools/build-man builds every
page, man-db's `man -l` renders each (and each link page) to text with its
NAME line, every efadv function has a page; and a broken page makes the
build fail, naming it, with nothing written.

Runs on the host (pandoc, groff, man-db from tools/setup)."""
import os
import re
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD_MAN = os.path.join(REPO, "tools", "build-man")
SOURCES = os.path.join(REPO, "docs", "man")
HEADER = os.path.join(REPO, "libefa", "efadv.h")


def build_man(outdir, *args):
    return subprocess.run([BUILD_MAN, *args, str(outdir)], capture_output=True, text=True)


def render(outdir, page):
    """man -l PAGE as text (a .so link resolves against OUTDIR, as under a manpath)."""
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    env.pop("MAN_KEEP_FORMATTING", None)
    proc = subprocess.run(["man", "-l", page], cwd=outdir, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, f"man -l {page}: {proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("man")
    proc = build_man(out)
    assert proc.returncode == 0, proc.stderr
    return out


def installed_pages(outdir):
    return sorted(os.path.relpath(os.path.join(d, f), outdir)
                  for d, _, files in os.walk(outdir) for f in files)


def name_section(text):
    m = re.search(r"^NAME\n(.*?)\n\n", text, re.M | re.S)
    assert m, f"no NAME section in:\n{text[:400]}"
    return " ".join(m.group(1).split())


def test_every_page_renders_with_its_name(built):
    pages = installed_pages(built)
    assert pages, "build-man wrote nothing"
    for page in pages:
        section = page.split("/")[0]
        name = os.path.basename(page).rsplit(".", 1)[0]
        text = render(built, page)
        assert text.strip(), f"{page} renders empty"
        names = name_section(text).split(" - ")[0]
        assert name in [n.strip() for n in names.split(",")], f"{page}: NAME is {names!r}"
        assert re.search(r"^SYNOPSIS$", text, re.M) and re.search(r"^DESCRIPTION$", text, re.M), page
        assert section == "man" + page.rsplit(".", 1)[1], page


def test_every_efadv_function_and_the_overviews_are_installed(built):
    with open(HEADER) as f:
        functions = set(re.findall(r"\b(efadv_[a-z0-9_]+)\s*\(", f.read()))
    assert len(functions) >= 16, functions
    pages = set(installed_pages(built))
    missing = sorted(fn for fn in functions if f"man3/{fn}.3" not in pages)
    assert not missing, f"no man page for {missing}"
    assert {"man7/efadv.7", "man4/efa.4"} <= pages


def test_link_pages_render_their_target(built):
    links = {}
    for page in installed_pages(built):
        with open(os.path.join(built, page)) as f:
            first = f.readline()
        if first.startswith(".so "):
            links[page] = first.split()[1]
    # the functions documented on another function's page
    assert set(links) == {"man3/efadv_get_max_rq_depth.3", "man3/efadv_wr_set_processing_hints.3",
                          "man3/efadv_wc_read_sgid.3", "man3/efadv_wc_is_unsolicited.3"}, links
    for link, target in links.items():
        assert os.path.isfile(os.path.join(built, target)), f"{link} -> missing {target}"
        assert render(built, link) == render(built, target)


def test_efa4_documents_every_counter_and_the_gdr_attribute(built):
    with open(os.path.join(REPO, "kernel-module", "efa_stats.c")) as f:
        counters = re.findall(r'\.name = "(\w+)"', f.read())
    assert len(counters) > 20
    text = render(built, "man4/efa.4")
    words = set(re.findall(r"[\w.]+", text))
    assert not [c for c in counters if c not in words], "efa(4) lacks counters"
    assert "gdr" in words


GOOD_PAGE = "# NAME\n\nbroken - a page\n\n# SYNOPSIS\n\nbroken\n\n# DESCRIPTION\n\nText.\n"
BROKEN = {
    "no-synopsis": ("broken.3.md", GOOD_PAGE.replace("# SYNOPSIS\n\nbroken\n\n", "")),
    "no-description": ("broken.3.md", GOOD_PAGE.replace("# DESCRIPTION", "# NOTES")),
    "no-name": ("broken.3.md", GOOD_PAGE.replace("# NAME\n\nbroken - a page\n\n", "")),
    "name-mismatch": ("broken.3.md", GOOD_PAGE.replace("broken - a page", "other - a page")),
    "name-without-dash": ("broken.3.md", GOOD_PAGE.replace("broken - a page", "broken a page")),
    "groff-warning": ("broken.3.md", GOOD_PAGE + "\n```{=man}\n.XQ not a macro\n```\n"),
    "pandoc-error": ("broken.3.md", "---\ntitle: [unclosed\n---\n" + GOOD_PAGE),
    "file-name": ("broken.md", GOOD_PAGE),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_page_fails_the_build(tmp_path, case):
    fname, text = BROKEN[case]
    src = tmp_path / "src"
    shutil.copytree(SOURCES, src, ignore=shutil.ignore_patterns("tests"))
    (src / fname).write_text(text)
    out = tmp_path / "out"
    proc = build_man(out, "--src", str(src))
    assert proc.returncode != 0, f"{case}: build-man succeeded:\n{proc.stdout}"
    assert fname in proc.stderr, proc.stderr
    assert not out.exists(), "a failed build wrote pages"
    # the same tree without the broken page builds
    (src / fname).unlink()
    assert build_man(out, "--src", str(src)).returncode == 0


def test_a_function_without_a_page_fails_the_build(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SOURCES, src, ignore=shutil.ignore_patterns("tests"))
    (src / "efadv_query_mr.3.md").unlink()
    proc = build_man(tmp_path / "out", "--src", str(src))
    assert proc.returncode != 0
    assert "efadv_query_mr" in proc.stderr, proc.stderr
    header = tmp_path / "efadv.h"
    header.write_text(open(HEADER).read() + "\nint efadv_not_documented(void);\n")
    proc = build_man(tmp_path / "out", "--header", str(header))
    assert proc.returncode != 0 and "efadv_not_documented" in proc.stderr, proc.stderr
