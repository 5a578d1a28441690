"""Markdown to HTML for the site, without raw HTML: a results page's texts come from studies,
plug-ins and verdict files, so ``<script>`` in a claim must reach the page as text.

Python-Markdown passes HTML in its source through as it stands; here its raw-HTML block
preprocessor and inline pattern are removed (its documented way to escape HTML: the tags are then
text, escaped when the tree is written), and a tree processor drops every link or image address
with a scheme other than http, https or mailto (``javascript:``, ``data:`` ...), so a link can
neither run a script nor smuggle a page in. Tables, fenced code, relative links and images work
as before.
"""
from __future__ import annotations

import re

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SAFE_SCHEMES = ("http", "https", "mailto")
URL_ATTRIBUTES = ("href", "src")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_IGNORED = re.compile(r"[\x00-\x20\x7f]")  # browsers drop these from an address (tabs, newlines, spaces) or stop at them


def safe_url(url: str) -> bool:
    """Whether ``url`` is relative, a fragment, or http(s)/mailto, as a browser reads it."""
    scheme = _SCHEME.match(_IGNORED.sub("", url).lower())
    return scheme is None or scheme.group(1) in SAFE_SCHEMES


class _DropUnsafeUrls(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            for attribute in URL_ATTRIBUTES:
                if attribute in element.attrib and not safe_url(element.attrib[attribute]):
                    del element.attrib[attribute]


class _NoRawHtml(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_DropUnsafeUrls(md), "drop_unsafe_urls", 1)  # after the inline links exist


def render(text: str) -> str:
    """``text`` (Markdown with tables and fenced code) as HTML in which no tag, handler or
    script address comes from the text."""
    return markdown.markdown(text, extensions=["tables", "fenced_code", _NoRawHtml()])
