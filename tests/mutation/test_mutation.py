#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Mutation test of move-verifier on the real Shadow MMU move.

The pair under test is arch/x86/kvm of the series' step 02 (before) and
step 03 (after: the Shadow MMU moved from mmu.c to shadow_mmu.c).  The
unmutated pair must verify clean.  Then the after side is mutated, one
mutation at a time, and every real mutation must be reported (exit 1 with
an error finding, or exit 2 with a diagnostic) while every whitespace-only
control must stay clean.

Classes of real mutations (targets are picked from the line ranges of
``kmove-split entities``):

  delete-stmt     delete a statement line inside a function body
  change-token    change one identifier, number or operator in a body
  swap-stmts      swap two adjacent, different statement lines
  drop-comment    drop one line of a comment (not a blank comment line)
  drop-entity     drop a whole top-level entity
  alter-macro     change one token of a #define body
  inactive        alter code in a preprocessor-inactive branch
  copy-behind     paste a moved function or macro back into mmu.c

Off by default, for KMOVE_MUTATION_EXTRA:

  rename-def      rename a function where it is defined, not where used

Whitespace-only controls: re-indent a body line, add or remove trailing
blanks, split a line of a function between two tokens, add a blank line
between entities or inside a body, widen the blanks between two tokens,
realign the backslashes of a multi-line #define.

Prints one line ``mutations=N killed=K missed=M false-alarms=F
parse-errors=P`` and exits 0 only if K=N and F=0 (77: skipped).  What was
missed or falsely reported is kept in $OUT/mutation/failed/.

Environment:
  OUT                    output directory (default out)
  BIN                    the tools (default out/bin)
  KMOVE_MUTATION_SERIES  an existing series output directory to use
                         instead of $OUT/it-6.1 (e.g. /tmp/kout); it is
                         never rebuilt
  KMOVE_MUTATION_SEED    random seed (default 20230601)
  KMOVE_MUTATIONS        number of real mutations (default 200); the
                         controls are a tenth of that, at least 20
  KMOVE_MUTATION_JOBS    parallel verifier runs (default 2)
  KMOVE_MUTATION_EXTRA   extra classes to draw from, comma-separated

Run: python3 tests/mutation/test_mutation.py
"""

import difflib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
KVM = 'arch/x86/kvm'
SHADOW = 'arch/x86/kvm/mmu/shadow_mmu.c'
MMU = 'arch/x86/kvm/mmu/mmu.c'
FILES = (SHADOW, MMU)
GLOBS = (SHADOW, MMU, 'arch/x86/kvm/mmu/*.h')
TARBALL = Path('/usr/src/linux-source-6.1.tar.xz')
MOVE_SUBJECT = 'Move the Shadow MMU implementation'
SKIP = 77

KEYWORDS = frozenset('''
auto break case char const continue default do double else enum extern
float for goto if inline int long register restrict return short signed
sizeof static struct switch typedef union unsigned void volatile while
_Bool bool typeof __typeof__ asm __asm__ true false NULL
'''.split())

OPERATOR_SWAP = {
    '+': '-', '-': '+', '<': '<=', '>': '>=', '<=': '<', '>=': '>',
    '==': '!=', '!=': '==', '&&': '||', '||': '&&', '|': '&', '&': '|',
    '<<': '>>', '>>': '<<', '+=': '-=', '-=': '+=', '|=': '&=',
    '&=': '|=', '++': '--', '--': '++', '^': '|',
}

PUNCT = sorted('''
... <<= >>= -> ++ -- << >> <= >= == != && || += -= *= /= %= &= |= ^= ##
+ - * / % < > = ! ~ & | ^ ? : ; , . ( ) [ ] { } #
'''.split(), key=len, reverse=True)


def log(msg: str) -> None:
    """Prints a progress line at once."""
    print(msg, flush=True)


# ---------------------------------------------------------------------------
# A small C lexer: enough to tell code, comments and literals apart.

@dataclass
class Tok:
    """One token: kind is ident, number, string, comment or punct."""
    kind: str
    text: str
    start: int
    end: int
    line: int
    end_line: int


_IDENT = re.compile(r'[A-Za-z_]\w*')
_NUMBER = re.compile(r'\.?\d(?:[eEpP][+-]|[\w.])*')
_SPACE = re.compile(r'(?:[ \t\r\f\v\n]|\\\n)+')


def lex(text: str) -> List[Tok]:
    """Splits C source into tokens (comments included)."""
    toks: List[Tok] = []
    i, n, line = 0, len(text), 1

    def add(kind: str, end: int) -> None:
        nonlocal i, line
        body = text[i:end]
        nl = body.count('\n')
        toks.append(Tok(kind, body, i, end, line, line + nl))
        line += nl
        i = end

    while i < n:
        m = _SPACE.match(text, i)
        if m:
            line += m.group().count('\n')
            i = m.end()
            continue
        if text.startswith('//', i):
            j = text.find('\n', i)
            add('comment', n if j < 0 else j)
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            add('comment', n if j < 0 else j + 2)
        elif text[i] in '"\'':
            q, j = text[i], i + 1
            while j < n and text[j] != q and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            add('string', min(j + 1, n))
        elif _IDENT.match(text, i):
            add('ident', _IDENT.match(text, i).end())
        elif _NUMBER.match(text, i):
            add('number', _NUMBER.match(text, i).end())
        else:
            for p in PUNCT:
                if text.startswith(p, i):
                    add('punct', i + len(p))
                    break
            else:
                add('punct', i + 1)
    return toks


# ---------------------------------------------------------------------------
# The files of the after side and their entities

@dataclass
class Entity:
    """One line of `kmove-split entities`."""
    first: int
    last: int
    kind: str
    name: str
    flags: Set[str]
    cond: str


@dataclass
class Source:
    """A file of the after side: text, lines, tokens and entities."""
    rel: str
    text: str
    ents: List[Entity]
    lines: List[str] = field(default_factory=list)     # keepends, [0] = line 1
    toks: List[Tok] = field(default_factory=list)
    by_line: Dict[int, List[int]] = field(default_factory=dict)
    inside: Set[int] = field(default_factory=set)       # lines a token spans into
    comment_interior: Set[int] = field(default_factory=set)
    func_bodies: List[Tuple[Entity, int, int]] = field(default_factory=list)
    statements: List[int] = field(default_factory=list)  # in bodies
    code_lines: List[int] = field(default_factory=list)  # in bodies
    comment_lines: List[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines(keepends=True)
        self.toks = lex(self.text)
        for k, t in enumerate(self.toks):
            self.by_line.setdefault(t.line, []).append(k)
            self.inside.update(range(t.line + 1, t.end_line + 1))
            if t.kind == 'comment':
                self.comment_interior.update(range(t.line + 1, t.end_line))
        for e in self.ents:
            if e.kind != 'func':
                continue
            body = self.body_of(e)
            if body:
                self.func_bodies.append((e, body[0], body[1]))
        for _, first, last in self.func_bodies:
            for ln in range(first, last + 1):
                if self.is_statement(ln):
                    self.statements.append(ln)
                if self.is_code_line(ln):
                    self.code_lines.append(ln)
        self.comment_lines = sorted({
            ln for e in self.ents if e.kind != 'cond'
            for ln in range(e.first, e.last + 1)
            if self.droppable_comment_line(ln)})

    def line_toks(self, ln: int) -> List[Tok]:
        """Tokens that start on line ln."""
        return [self.toks[k] for k in self.by_line.get(ln, [])]

    def body_of(self, e: Entity) -> Optional[Tuple[int, int]]:
        """First and last line strictly inside a function's braces."""
        for ln in range(e.first, e.last + 1):
            for t in self.line_toks(ln):
                if t.kind == 'punct' and t.text == '{':
                    if ln + 1 <= e.last - 1:
                        return ln + 1, e.last - 1
                    return None
        return None

    def is_statement(self, ln: int) -> bool:
        """A whole, simple statement on one line: 'x = f(y);'."""
        if ln in self.inside or ln < 1 or ln > len(self.lines):
            return False
        toks = self.line_toks(ln)
        if not toks or toks[0].text == '#' or toks[-1].text != ';':
            return False
        if self.lines[ln - 1].rstrip().endswith('\\'):
            return False
        depth = 0
        for t in toks:
            if t.kind == 'comment' or t.end_line != ln or t.text in '{}':
                return False
            depth += t.text == '(' and t.kind == 'punct'
            depth -= t.text == ')' and t.kind == 'punct'
        return depth == 0

    def is_code_line(self, ln: int) -> bool:
        """Code only, no comment, not a directive, no continuation."""
        if ln in self.inside or ln < 1 or ln > len(self.lines):
            return False
        toks = self.line_toks(ln)
        if not toks or toks[0].text == '#':
            return False
        if self.lines[ln - 1].rstrip().endswith('\\'):
            return False
        return all(t.kind != 'comment' and t.end_line == ln for t in toks)

    def droppable_comment_line(self, ln: int) -> bool:
        """A line of comment text whose removal leaves valid comments."""
        text = self.lines[ln - 1]
        if not re.sub(r'[\s/*]', '', text):
            return False		# blank, '/*', ' *' or ' */'
        toks = self.line_toks(ln)
        if ln in self.inside:
            # the interior of a block comment that started above
            return not toks and ln in self.comment_interior
        return bool(toks) and all(t.kind == 'comment' and t.end_line == ln
                                  for t in toks)

    def code_toks(self, first: int, last: int) -> List[Tok]:
        """Code tokens on the non-directive lines first..last."""
        out = []
        for ln in range(first, last + 1):
            toks = self.line_toks(ln)
            if toks and toks[0].text == '#':
                continue
            out += [t for t in toks if t.kind != 'comment']
        return out


def parse_entities(out: str) -> List[Entity]:
    """Reads `kmove-split entities`: LINES KIND NAME FLAGS COND ..."""
    ents = []
    for row in out.splitlines():
        col = row.split('\t')
        if len(col) < 5:
            continue
        first, _, last = col[0].partition('-')
        ents.append(Entity(int(first), int(last or first), col[1], col[2],
                           set(col[3].split()), col[4]))
    return ents


# ---------------------------------------------------------------------------
# Mutations

@dataclass
class Mutation:
    """One mutated after side: the new text of the changed files."""
    cls: str
    rel: str
    line: int
    desc: str
    files: Dict[str, str]
    control: bool = False


def squeeze(text: str) -> str:
    """The text without any whitespace."""
    return re.sub(r'\s+', '', text)


def replace_lines(src: Source, first: int, last: int, new: List[str]) -> str:
    """src's text with lines first..last replaced by new."""
    return ''.join(src.lines[:first - 1] + new + src.lines[last:])


def replace_tok(src: Source, t: Tok, new: str) -> str:
    """src's text with token t replaced by new."""
    return src.text[:t.start] + new + src.text[t.end:]


def short(s: str, n: int = 60) -> str:
    """One line of at most n characters."""
    s = ' '.join(s.split())
    return s if len(s) <= n else s[:n - 3] + '...'


class Mutator:
    """Draws mutations of the after side with one random generator."""

    def __init__(self, rng: random.Random, srcs: Dict[str, Source],
                 notes: Dict[str, Set[int]]):
        self.rng = rng
        self.srcs = srcs
        self.notes = notes

    def pick_src(self) -> Source:
        """shadow_mmu.c three times out of four, else mmu.c."""
        return self.srcs[SHADOW if self.rng.random() < 0.75 else MMU]

    # -- the token change shared by several classes --

    def token_change(self, src: Source, toks: List[Tok]) -> Optional[Tuple[Tok, str]]:
        """A random token of toks and a different spelling for it."""
        cands = [t for t in toks
                 if (t.kind == 'ident' and t.text not in KEYWORDS) or
                 (t.kind == 'number' and re.fullmatch(
                     r'(0[xX][0-9a-fA-F]+|\d+)[uUlL]*', t.text)) or
                 (t.kind == 'punct' and t.text in OPERATOR_SWAP)]
        if not cands:
            return None
        t = self.rng.choice(cands)
        if t.kind == 'punct':
            return t, OPERATOR_SWAP[t.text]
        if t.kind == 'number':
            m = re.fullmatch(r'(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)', t.text)
            digits, suffix = m.group(1), m.group(2)
            c = digits[-1]
            top = 'fF' if digits[:2].lower() == '0x' else \
                '7' if len(digits) > 1 and digits[0] == '0' else '9'
            if c in top:
                c = chr(ord(c) - 1)
            else:
                c = chr(ord(c) + 1)
            return t, digits[:-1] + c + suffix
        pool = sorted({x.text for x in toks if x.kind == 'ident' and
                       x.text not in KEYWORDS and x.text != t.text})
        if pool and self.rng.random() < 0.7:
            return t, self.rng.choice(pool)
        return t, t.text + '_x'

    def change_in(self, cls: str, src: Source, e: Entity, first: int,
                  last: int) -> Optional[Mutation]:
        """Change one code token on lines first..last of entity e."""
        got = self.token_change(src, src.code_toks(first, last))
        if not got:
            return None
        t, new = got
        return Mutation(cls, src.rel, t.line,
                        f"{e.kind} {e.name}: '{t.text}' -> '{new}'",
                        {src.rel: replace_tok(src, t, new)})

    def delete_line(self, cls: str, src: Source, ln: int, what: str) -> Mutation:
        """Delete line ln."""
        return Mutation(cls, src.rel, ln,
                        f'{what}: deleted "{short(src.lines[ln - 1])}"',
                        {src.rel: replace_lines(src, ln, ln, [])})

    def swap_lines(self, cls: str, src: Source, ln: int, what: str) -> Optional[Mutation]:
        """Swap lines ln and ln + 1 if they differ."""
        a, b = src.lines[ln - 1], src.lines[ln]
        if a.strip() == b.strip():
            return None
        return Mutation(cls, src.rel, ln,
                        f'{what}: swapped "{short(a, 30)}" and "{short(b, 30)}"',
                        {src.rel: replace_lines(src, ln, ln + 1, [b, a])})

    def owner(self, src: Source, ln: int) -> str:
        """The entity line ln belongs to, for messages."""
        for e in src.ents:
            if e.first <= ln <= e.last:
                return f'{e.kind} {e.name}'
        return 'top level'

    # -- the classes --

    def delete_stmt(self) -> Optional[Mutation]:
        """Delete a statement line inside a function body."""
        src = self.pick_src()
        lines = src.statements
        if not lines:
            return None
        ln = self.rng.choice(lines)
        return self.delete_line('delete-stmt', src, ln, self.owner(src, ln))

    def change_token(self) -> Optional[Mutation]:
        """Change one identifier, number or operator inside a body."""
        src = self.pick_src()
        e, first, last = self.rng.choice(src.func_bodies)
        return self.change_in('change-token', src, e, first, last)

    def swap_stmts(self) -> Optional[Mutation]:
        """Swap two adjacent statement lines."""
        src = self.pick_src()
        stmts = set(src.statements)
        lines = [ln for ln in src.statements if ln + 1 in stmts]
        if not lines:
            return None
        ln = self.rng.choice(lines)
        return self.swap_lines('swap-stmts', src, ln, self.owner(src, ln))

    def drop_comment(self) -> Optional[Mutation]:
        """Drop one line of a comment (attached, standalone or in a body)."""
        src = self.pick_src()
        lines = src.comment_lines
        if not lines:
            return None
        ln = self.rng.choice(lines)
        return self.delete_line('drop-comment', src, ln,
                                'comment of ' + self.owner(src, ln))

    def drop_entity(self) -> Optional[Mutation]:
        """Drop a whole top-level entity (with its attached comment)."""
        src = self.pick_src()
        ents = [e for e in src.ents if e.kind != 'cond' and
                not any(e.first <= ln <= e.last
                        for ln in self.notes.get(src.rel, ()))]
        e = self.rng.choice(ents)
        if any(o is not e and o.first <= e.last and e.first <= o.last
               for o in src.ents):
            return None		# shares a line with another entity
        return Mutation('drop-entity', src.rel, e.first,
                        f'dropped {e.kind} {e.name} (lines {e.first}-{e.last})',
                        {src.rel: replace_lines(src, e.first, e.last, [])})

    def alter_macro(self) -> Optional[Mutation]:
        """Change one token of a #define body."""
        src = self.pick_src()
        macros = [e for e in src.ents if e.kind == 'macro']
        if not macros:
            return None
        e = self.rng.choice(macros)
        toks = []
        for ln in range(e.first, e.last + 1):
            toks += [t for t in src.line_toks(ln) if t.kind != 'comment']
        k = next((i for i, t in enumerate(toks) if t.text == 'define'), None)
        if k is None or k + 1 >= len(toks):
            return None
        name, body = toks[k + 1], toks[k + 2:]
        if body and body[0].text == '(' and body[0].start == name.end:
            depth = 0
            for i, t in enumerate(body):
                depth += (t.text == '(') - (t.text == ')')
                if not depth:
                    body = body[i + 1:]
                    break
        got = self.token_change(src, body)
        if not got:
            return None
        t, new = got
        return Mutation('alter-macro', src.rel, t.line,
                        f"macro {e.name}: '{t.text}' -> '{new}'",
                        {src.rel: replace_tok(src, t, new)})

    def inactive(self) -> Optional[Mutation]:
        """Alter code of an entity in a preprocessor-inactive branch."""
        src = self.pick_src()
        ents = [e for e in src.ents if 'inactive' in e.flags]
        if not ents:
            return None
        e = self.rng.choice(ents)
        body = next(((f, l) for x, f, l in src.func_bodies if x is e), None)
        how = self.rng.choice(('token', 'delete', 'swap')) if body else 'token'
        what = f'inactive {e.kind} {e.name} ({e.cond})'
        if how == 'token':
            m = self.change_in('inactive', src, e, *(body or (e.first, e.last)))
            if m:
                m.desc = f'{what}: {m.desc.split(": ", 1)[1]}'
            return m
        lines = [ln for ln in src.statements if body[0] <= ln <= body[1]]
        if how == 'delete' and lines:
            return self.delete_line('inactive', src, self.rng.choice(lines), what)
        lines = [ln for ln in lines if ln + 1 in lines]
        if how == 'swap' and lines:
            return self.swap_lines('inactive', src, self.rng.choice(lines), what)
        return None

    def rename_def(self) -> Optional[Mutation]:
        """Rename a function where it is defined, not where it is used."""
        src = self.pick_src()
        e = self.rng.choice([x for x in src.ents if x.kind == 'func'])
        toks = src.code_toks(e.first, e.last)
        k = next((i for i, t in enumerate(toks) if t.text in '({'), None)
        if k is None or k == 0 or toks[k].text != '(' or \
                toks[k - 1].kind != 'ident' or toks[k - 1].text != e.name:
            return None
        t = toks[k - 1]
        return Mutation('rename-def', src.rel, t.line,
                        f"func {e.name} defined as '{e.name}_x'",
                        {src.rel: replace_tok(src, t, e.name + '_x')})

    def copy_behind(self) -> Optional[Mutation]:
        """Paste a function (or macro) of shadow_mmu.c back into mmu.c."""
        shadow, mmu = self.srcs[SHADOW], self.srcs[MMU]
        kind = 'func' if self.rng.random() < 0.85 else 'macro'
        e = self.rng.choice([x for x in shadow.ents if x.kind == kind])
        at = self.rng.choice([x for x in mmu.ents
                              if not x.cond and x.kind != 'cond'])
        copy = shadow.lines[e.first - 1:e.last] + ['\n']
        new = ''.join(mmu.lines[:at.first - 1] + copy + mmu.lines[at.first - 1:])
        return Mutation('copy-behind', MMU, at.first,
                        f'{e.kind} {e.name} (shadow_mmu.c:{e.first}) pasted '
                        f'before {at.kind} {at.name}', {MMU: new})

    # -- whitespace-only controls --

    def ws_reindent(self) -> Optional[Mutation]:
        """Re-indent one code line of a body, or a comment line."""
        src = self.pick_src()
        ln = self.rng.choice(src.code_lines if self.rng.random() < 0.7
                             else src.comment_lines)
        old = src.lines[ln - 1]
        lead = old[:len(old) - len(old.lstrip(' \t'))]
        new_lead = lead.replace('\t', ' ' * 8) if '\t' in lead and \
            self.rng.random() < 0.5 else lead + '\t'
        return Mutation('ws-reindent', src.rel, ln, 're-indented',
                        {src.rel: replace_lines(src, ln, ln,
                                                [new_lead + old.lstrip(' \t')])},
                        control=True)

    def ws_trailing(self) -> Optional[Mutation]:
        """Add trailing blanks to a line, or drop them."""
        src = self.pick_src()
        ln = self.rng.randrange(1, len(src.lines) + 1)
        old = src.lines[ln - 1]
        body = old.rstrip('\n')
        if body.endswith('\\') or not old.endswith('\n'):
            return None
        if body != body.rstrip(' \t'):
            new, what = body.rstrip(' \t') + '\n', 'trailing blanks removed'
        else:
            new, what = body + self.rng.choice(('  ', '\t', ' \t ')) + '\n', \
                'trailing blanks added'
        return Mutation('ws-trailing', src.rel, ln, what,
                        {src.rel: replace_lines(src, ln, ln, [new])},
                        control=True)

    def ws_split(self) -> Optional[Mutation]:
        """Split a code line of a function between two tokens."""
        src = self.pick_src()
        lines = [ln for ln in src.code_lines if len(src.line_toks(ln)) > 3]
        ln = self.rng.choice(lines)
        toks = src.line_toks(ln)
        gaps = [i for i in range(len(toks) - 1)
                if toks[i + 1].text != '#' and
                src.text[toks[i].end:toks[i + 1].start].strip(' \t') == ''
                and toks[i].end < toks[i + 1].start]
        if not gaps:
            return None
        i = self.rng.choice(gaps)
        old = src.lines[ln - 1]
        indent = old[:len(old) - len(old.lstrip(' \t'))]
        text = src.text[:toks[i].end] + '\n' + indent + '\t\t' + \
            src.text[toks[i + 1].start:]
        return Mutation('ws-split', src.rel, ln,
                        f"split between '{toks[i].text}' and '{toks[i + 1].text}'",
                        {src.rel: text}, control=True)

    def ws_blank(self) -> Optional[Mutation]:
        """A blank line before an entity or between two body lines."""
        src = self.pick_src()
        if self.rng.random() < 0.5:
            e = self.rng.choice(src.ents[1:])
            ln, what = e.first, f'blank line before {e.kind} {e.name}'
        else:
            ln = self.rng.choice(src.code_lines)
            what = 'blank line in ' + self.owner(src, ln)
        return Mutation('ws-blank', src.rel, ln, what,
                        {src.rel: replace_lines(src, ln, ln - 1, ['\n'])},
                        control=True)

    def ws_macro(self) -> Optional[Mutation]:
        """Realign the line continuation of a multi-line #define."""
        src = self.pick_src()
        lines = [ln for e in src.ents if e.kind == 'macro'
                 for ln in range(e.first, e.last)
                 if src.lines[ln - 1].rstrip('\n').endswith('\\')]
        if not lines:
            return None
        ln = self.rng.choice(lines)
        code = src.lines[ln - 1].rstrip('\n')[:-1].rstrip(' \t')
        new = code + self.rng.choice((' ', '\t', '\t\t', '    ')) + '\\\n'
        return Mutation('ws-macro', src.rel, ln, 'realigned the backslash',
                        {src.rel: replace_lines(src, ln, ln, [new])},
                        control=True)

    def ws_widen(self) -> Optional[Mutation]:
        """Widen the blanks between two tokens of a code line."""
        src = self.pick_src()
        ln = self.rng.choice(src.code_lines)
        toks = src.line_toks(ln)
        gaps = [i for i in range(len(toks) - 1) if toks[i].end < toks[i + 1].start]
        if not gaps:
            return None
        i = self.rng.choice(gaps)
        text = src.text[:toks[i].end] + self.rng.choice(('  ', '\t', ' \t')) + \
            src.text[toks[i + 1].start:]
        return Mutation('ws-widen', src.rel, ln,
                        f"wider gap after '{toks[i].text}'", {src.rel: text},
                        control=True)


REAL = ('delete_stmt', 'change_token', 'swap_stmts', 'drop_comment',
        'drop_entity', 'alter_macro', 'inactive', 'copy_behind')
EXTRA = ('rename_def',)
CONTROLS = ('ws_reindent', 'ws_trailing', 'ws_split', 'ws_blank', 'ws_widen',
            'ws_macro')


def draw(mut: Mutator, srcs: Dict[str, Source], n_real: int,
         n_controls: int, classes: Tuple[str, ...]) -> List[Mutation]:
    """Draws n_real mutations round-robin over the classes, then controls."""
    out: List[Mutation] = []
    seen: Set[str] = set()
    plan = [classes[i % len(classes)] for i in range(n_real)] + \
        [CONTROLS[i % len(CONTROLS)] for i in range(n_controls)]
    for gen in plan:
        for _ in range(500):
            m = getattr(mut, gen)()
            if m is None:
                continue
            changed = [r for r, t in m.files.items() if t != srcs[r].text]
            if not changed:
                continue
            real = any(squeeze(t) != squeeze(srcs[r].text)
                       for r, t in m.files.items())
            if real == m.control:
                continue	# a no-op "mutation" or a control that is not
            key = '\0'.join(m.files[r] for r in sorted(m.files))
            if key in seen:
                continue
            seen.add(key)
            out.append(m)
            break
        else:
            raise RuntimeError(f'cannot draw a {gen} mutation')
    return out


# ---------------------------------------------------------------------------
# Running the verifier

@dataclass
class Result:
    """What the verifier said about one mutation."""
    status: str		# killed, parse-error, missed, clean, false-alarm
    detail: str
    stdout: str
    stderr: str
    seconds: float


def verifier_cmd(bin_dir: Path, before: Path, after: Path, build: Path) -> List[str]:
    """The move-verifier command line for one pair."""
    cmd = [str(bin_dir / 'move-verifier'), '--before', str(before),
           '--after', str(after), '--compdb', str(build), '--format=json']
    for g in GLOBS:
        cmd += ['--files', g]
    return cmd


def judge(m: Optional[Mutation], p: subprocess.CompletedProcess,
          seconds: float) -> Result:
    """Classifies one verifier run."""
    errors: List[str] = []
    try:
        doc = json.loads(p.stdout) if p.stdout.strip() else {}
        errors = [f"{f['type']}: {f['message']}" for f in doc.get('findings', [])
                  if f.get('severity') == 'error']
    except json.JSONDecodeError:
        pass
    first_err = next((l for l in p.stderr.splitlines() if l.strip()), '')
    if m is None or m.control:
        if p.returncode == 0:
            return Result('clean', '', p.stdout, p.stderr, seconds)
        what = errors[0] if errors else f'exit {p.returncode}: {first_err}'
        return Result('false-alarm', what, p.stdout, p.stderr, seconds)
    if p.returncode == 1 and errors:
        return Result('killed', errors[0], p.stdout, p.stderr, seconds)
    if p.returncode == 2 and first_err:
        return Result('parse-error', first_err, p.stdout, p.stderr, seconds)
    return Result('missed', f'exit {p.returncode}' +
                  (f': {first_err}' if first_err else ''),
                  p.stdout, p.stderr, seconds)


def run_one(i: int, m: Mutation, bin_dir: Path, work: Path, before: Path,
            after: Path, build: Path) -> Result:
    """Verifies before against a copy of after that holds the mutation."""
    tree = work / 'runs' / f'{i:04d}'
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(after, tree, copy_function=os.link)
    for rel, text in m.files.items():
        (tree / rel).unlink()
        (tree / rel).write_text(text)
    t0 = time.monotonic()
    try:
        p = subprocess.run(verifier_cmd(bin_dir, before, tree, build),
                           capture_output=True, text=True)
    except OSError as e:
        p = subprocess.CompletedProcess([], -1, '', f'cannot run: {e}')
    res = judge(m, p, time.monotonic() - t0)
    shutil.rmtree(tree)
    return res


def keep_failure(i: int, m: Mutation, r: Result, srcs: Dict[str, Source],
                 failed: Path) -> Path:
    """Keeps the mutated files, a diff and the verifier's output."""
    d = failed / f'{i:04d}-{m.cls}'
    d.mkdir(parents=True, exist_ok=True)
    diff = []
    for rel, text in m.files.items():
        (d / Path(rel).name).write_text(text)
        diff += difflib.unified_diff(srcs[rel].lines, text.splitlines(True),
                                     f'a/{rel}', f'b/{rel}')
    (d / 'mutation.diff').write_text(''.join(diff))
    (d / 'verifier.json').write_text(r.stdout)
    (d / 'verifier.err').write_text(r.stderr)
    (d / 'what.txt').write_text(f'{m.cls} {m.rel}:{m.line} {m.desc}\n')
    return d


# ---------------------------------------------------------------------------
# The pair under test

def git(repo: Path, *args: str) -> str:
    """Runs git in repo, returns stdout."""
    return subprocess.run(['git', '-C', str(repo), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def series_commits(series: Path) -> Optional[Tuple[Path, str, str]]:
    """The work repo and the commits of steps 02 and 03, if step 03 exists."""
    work, c03, c02 = series / 'work', None, None
    try:
        r = json.loads((series / 'report.json').read_text())
        work = Path(r.get('worktree') or work)
        by_n = {s.get('n'): s.get('commit') for s in r.get('steps', [])}
        c02, c03 = by_n.get('02'), by_n.get('03')
    except (OSError, ValueError, AttributeError):
        pass
    if not (work / '.git').exists():
        return None
    if not c03:
        for row in git(work, 'log', '--format=%H %s').splitlines():
            sha, _, subject = row.partition(' ')
            if MOVE_SUBJECT in subject:
                c03 = sha
                break
    if not c03:
        return None
    return work, c02 or git(work, 'rev-parse', f'{c03}^'), c03


def extract(work: Path, commit: str, dest: Path) -> None:
    """git archive COMMIT arch/x86/kvm into dest."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    arc = subprocess.run(['git', '-C', str(work), 'archive', commit, KVM],
                         check=True, capture_output=True).stdout
    subprocess.run(['tar', '-x', '-C', str(dest)], input=arc, check=True)


def find_series(out: Path, bin_dir: Path) -> Tuple[Path, Tuple[Path, str, str]]:
    """The series output to use; runs the pipeline when there is none."""
    override = os.environ.get('KMOVE_MUTATION_SERIES')
    if override:
        series = Path(override).resolve()
        got = series_commits(series)
        if not got:
            log(f'FAIL: KMOVE_MUTATION_SERIES={override} has no step 03')
            sys.exit(1)
        return series, got
    series = out / 'it-6.1'
    got = series_commits(series)
    if got:
        return series, got
    if not TARBALL.exists():
        log(f'skipped: no {TARBALL}')
        sys.exit(SKIP)
    log(f'building the series in {series} (a few minutes)')
    logf = Path(f'{series}.log')
    series.parent.mkdir(parents=True, exist_ok=True)
    with open(logf, 'w') as f:
        rc = subprocess.run([sys.executable, '-m', 'kmove', 'series', '--out',
                             str(series), '--kversion', '6.1', '--bin',
                             str(bin_dir)], cwd=ROOT, stdout=f,
                            stderr=subprocess.STDOUT,
                            env=dict(os.environ,
                                     PYTHONPATH=str(ROOT / 'scripts'))).returncode
    got = series_commits(series)
    if not got:
        log(f'FAIL: the pipeline (exit {rc}) made no step 03, see {logf}')
        sys.exit(1)
    return series, got


def load_source(bin_dir: Path, after: Path, rel: str, build: Path) -> Source:
    """Reads one after file and its entities."""
    path = (after / rel).resolve()
    p = subprocess.run([str(bin_dir / 'kmove-split'), 'entities', str(path),
                        '--compdb', str(build), '--rel', rel],
                       capture_output=True, text=True)
    if p.returncode:
        log(f'FAIL: kmove-split entities {rel}: {p.stderr.strip()}')
        sys.exit(1)
    return Source(rel, path.read_text(), parse_entities(p.stdout))


def main() -> int:
    """Runs the mutation test; returns the exit status."""
    out = Path(os.environ.get('OUT', 'out'))
    out = out if out.is_absolute() else ROOT / out
    bin_dir = Path(os.environ.get('BIN', 'out/bin'))
    bin_dir = bin_dir if bin_dir.is_absolute() else ROOT / bin_dir
    work = out / 'mutation'
    for tool in ('move-verifier', 'kmove-split'):
        if not os.access(bin_dir / tool, os.X_OK):
            log(f'FAIL: {bin_dir / tool} is missing (make tools)')
            return 1
    # a private copy, safe from a rebuild while the test runs
    (work / 'bin').mkdir(parents=True, exist_ok=True)
    for tool in ('move-verifier', 'kmove-split'):
        shutil.copy2(bin_dir / tool, work / 'bin' / f'{tool}.new')
        os.replace(work / 'bin' / f'{tool}.new', work / 'bin' / tool)
    tools = work / 'bin'
    seed = int(os.environ.get('KMOVE_MUTATION_SEED', '20230601'))
    n_real = int(os.environ.get('KMOVE_MUTATIONS', '200'))
    n_controls = max(20, n_real // 10)
    jobs = int(os.environ.get('KMOVE_MUTATION_JOBS', '2'))
    extra = os.environ.get('KMOVE_MUTATION_EXTRA', '').replace(',', ' ').split()
    for c in extra:
        if c.replace('-', '_') not in EXTRA:
            log(f'FAIL: unknown KMOVE_MUTATION_EXTRA class {c}')
            return 1

    t_start = time.monotonic()
    series, (work_repo, c02, c03) = find_series(out, bin_dir)
    bin_dir = tools
    build = series / 'build'
    if not (build / 'compile_commands.json').exists():
        log(f'FAIL: no {build}/compile_commands.json')
        return 1
    before, after, failed = work / 'before', work / 'after', work / 'failed'
    extract(work_repo, c02, before)
    extract(work_repo, c03, after)
    if failed.exists():
        shutil.rmtree(failed)
    if (work / 'runs').exists():
        shutil.rmtree(work / 'runs')
    log(f'series {series}: step 02 {c02[:12]}, step 03 {c03[:12]}')

    srcs = {rel: load_source(bin_dir, after, rel, build) for rel in FILES}
    funcs = sum(e.kind == 'func' for e in srcs[SHADOW].ents)
    log(f'shadow_mmu.c: {funcs} function definitions, '
        f'{len(srcs[SHADOW].ents)} entities; mmu.c: {len(srcs[MMU].ents)} entities')
    if funcs < 100:
        log(f'FAIL: only {funcs} functions moved to shadow_mmu.c (< 100)')
        return 1

    t0 = time.monotonic()
    p = subprocess.run(verifier_cmd(bin_dir, before, after, build),
                       capture_output=True, text=True)
    base = judge(None, p, time.monotonic() - t0)
    if base.status != 'clean':
        log(f'FAIL: the unmutated move does not verify clean: {base.detail}')
        return 1
    notes: Dict[str, Set[int]] = {}
    for f in json.loads(p.stdout).get('findings', []):
        notes.setdefault(f['file'], set()).add(f['line'])
    log(f'unmutated pair: clean ({base.seconds:.1f}s)')

    rng = random.Random(seed)
    classes = REAL + tuple(c.replace('-', '_') for c in extra)
    muts = draw(Mutator(rng, srcs, notes), srcs, n_real, n_controls, classes)
    log(f'seed={seed}: {n_real} mutations and {n_controls} whitespace '
        f'controls, {jobs} jobs')

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(
            lambda im: run_one(im[0], im[1], bin_dir, work, before, after, build),
            enumerate(muts)))

    per_class: Dict[str, Dict[str, int]] = {}
    bad: List[str] = []
    for i, (m, r) in enumerate(zip(muts, results)):
        c = per_class.setdefault(m.cls, {})
        c[r.status] = c.get(r.status, 0) + 1
        if r.status in ('missed', 'false-alarm'):
            d = keep_failure(i, m, r, srcs, failed)
            bad.append(f'{r.status.upper()} #{i} {m.cls} {m.rel}:{m.line}: '
                       f'{m.desc} [{r.detail or "clean"}] -> {d}')
    for cls in sorted(per_class):
        log(f'  {cls:14} ' + ' '.join(f'{k}={v}' for k, v in
                                       sorted(per_class[cls].items())))
    for b in bad:
        log(b)

    real = [r for m, r in zip(muts, results) if not m.control]
    n = len(real)
    parse = sum(r.status == 'parse-error' for r in real)
    killed = sum(r.status == 'killed' for r in real) + parse
    missed = n - killed
    false = sum(r.status == 'false-alarm' for m, r in zip(muts, results)
                if m.control)
    busy = sum(r.seconds for r in results)
    log(f'time: {time.monotonic() - t_start:.0f}s total, {busy:.0f}s of '
        f'verifier runs ({busy / max(len(results), 1):.1f}s each)')
    log(f'mutations={n} killed={killed} missed={missed} false-alarms={false} '
        f'parse-errors={parse}')
    if (work / 'runs').exists():
        shutil.rmtree(work / 'runs')
    return 0 if killed == n and not false else 1


if __name__ == '__main__':
    sys.exit(main())
