"""Renders Markdown the way GitHub does, for tests/markdown.rs.

Reads one JSON array of documents per line on stdin, each {"markdown": str,
"hardbreaks": bool}, and answers each line with one JSON array on stdout: for each
document {"html": str, "tree": node}, where node is a string (text, character references
decoded) or {"tag", "attrs", "selfclosing", "children"}; "#document" is the root and
"#comment", "#decl" and "#pi" stand for what HTML has besides elements and text.

cmark-gfm with GitHub's extensions (table, strikethrough, autolink, tagfilter, tasklist)
and footnotes, raw HTML let through (GitHub sanitizes it afterwards, keeping the elements
the report uses); with hardbreaks, a newline inside a paragraph is a line break, as in
issue and pull-request comments.
"""

import json
import sys
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.element("#document", [])
        self.stack = [self.root]

    @staticmethod
    def element(tag, attrs, selfclosing=False):
        return {"tag": tag, "attrs": [[k, v] for k, v in attrs],
                "selfclosing": selfclosing, "children": []}

    def add(self, node):
        children = self.stack[-1]["children"]
        if isinstance(node, str) and children and isinstance(children[-1], str):
            children[-1] += node
        else:
            children.append(node)

    def handle_starttag(self, tag, attrs):
        node = self.element(tag, attrs)
        self.add(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.add(self.element(tag, attrs, selfclosing=True))

    def handle_endtag(self, tag):
        # An end tag closes the innermost open element of its name, and every element
        # opened inside it; one that closes nothing open is dropped, as browsers do.
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth]["tag"] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.add(data)

    def handle_comment(self, data):
        self.add({**self.element("#comment", []), "children": [data]})

    def handle_decl(self, decl):
        self.add({**self.element("#decl", []), "children": [decl]})

    def unknown_decl(self, data):
        self.handle_decl(data)

    def handle_pi(self, data):
        self.add({**self.element("#pi", []), "children": [data]})


def render(doc):
    options = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
    if doc["hardbreaks"]:
        options |= Options.CMARK_OPT_HARDBREAKS
    html = cmarkgfm.github_flavored_markdown_to_html(doc["markdown"], options)
    tree = Tree()
    tree.feed(html)
    tree.close()
    return {"html": html, "tree": tree.root}


def main():
    for line in sys.stdin:
        docs = json.loads(line)
        sys.stdout.write(json.dumps([render(d) for d in docs]) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
