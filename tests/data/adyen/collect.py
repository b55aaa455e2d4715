#!/usr/bin/env python3
"""Regenerate standard.jsonl and library-header-signed.jsonl from local git mirrors.

Usage:
    python3 collect.py MIRROR_ROOT [OUT_DIR]

MIRROR_ROOT holds one git directory per repository, at MIRROR_ROOT/<owner>+<name>/repo
(for example MIRROR_ROOT/Adyen+adyen-java-api-library/repo). OUT_DIR defaults to the folder
of this script. Only Python 3.11's standard library and the `git` command are used; the
output depends only on the commits the mirrors point at, so the same mirrors give the same
bytes.

What is collected:
  * JSON files and string literals (unescaped as the language defines them) in the test
    suites of Adyen's seven server libraries, at the mirror's HEAD;
  * every example payload of json/Webhooks-v1.json, in every revision of Adyen/adyen-openapi
    that touched the file.
A body is "standard" when it is a notificationItems envelope, a single NotificationRequestItem
(wrapped or not), or a type/data body whose type is one of the standard endpoint's notice-of-
change types; it is "header-signed" when it is any other {"type": "...", "data": ...} body.
Bodies are deduplicated per output file on their exact text: the first source keeps the line,
the others are counted in "duplicates" and listed in "also".
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

LIBRARIES = [
    # (short name, repository, folders holding its tests, source-file extension)
    ("java", "Adyen/adyen-java-api-library", ("src/test/", "tools/hmac/"), ".java"),
    ("dotnet", "Adyen/adyen-dotnet-api-library", ("Adyen.Test/",), ".cs"),
    ("node", "Adyen/adyen-node-api-library", ("src/__tests__/", "src/__mocks__/", "tools/hmac/"), ".ts"),
    ("python", "Adyen/adyen-python-api-library", ("test/",), ".py"),
    ("go", "Adyen/adyen-go-api-library", ("tests/", "src/"), "_test.go"),
    ("php", "Adyen/adyen-php-api-library", ("tests/", "tools/hmac/"), ".php"),
    ("ruby", "Adyen/adyen-ruby-api-library", ("spec/",), ".rb"),
]
OPENAPI = "Adyen/adyen-openapi"
# The standard-notification spec; the history has no older file under another name
# (yaml/Webhooks-v1.yaml carries the same examples in YAML).
OPENAPI_FILES = ("json/Webhooks-v1.json",)
STANDARD_TYPES = {"ach.notificationOfChange", "eft.notificationOfChange"}
WEBHOOK_TYPE = re.compile(r"^[a-z][A-Za-z]*(\.[A-Za-z]+)+$")
# Standard-shaped bodies that a library's test also signs as raw bytes (header style).
ALSO_HEADER_SIGNED = {("Adyen/adyen-ruby-api-library", "spec/mocks/responses/Webhooks/mixed_webhook.json")}

# What the source tests do with a body: keyed by (repository, path, a substring that picks
# the body out among those of the file, or "" for every body of the file). Values are merged
# into the line. "expect" is what the source library's test asserts about it.
ANNOTATIONS: dict[tuple[str, str, str], dict] = {}


def annotate(repo: str, path: str, marker: str = "", **fields) -> None:
    ANNOTATIONS.setdefault((repo, path, marker), {}).update(fields)


JAVA, NET, NODE, PY, GO, PHP, RUBY = (lib[1] for lib in LIBRARIES)
# Java
for _p in ("authorisation-true", "authorisation-true-additional-attribute", "capture-true",
           "refund-true", "chargeback", "cancellation-true", "offer-closed"):
    annotate(JAVA, f"src/test/resources/mocks/notification/{_p}.json", expect="parses (isSuccess true)")
for _p in ("capture-false", "refund-false"):
    annotate(JAVA, f"src/test/resources/mocks/notification/{_p}.json", expect="parses (isSuccess false)")
annotate(JAVA, "src/test/java/com/adyen/util/HMACValidatorTest.java", "NuEkADFmlCC6VgX+wcoPAegIWxVPNBPCuKlM4Hzo5qc=\"\n    },\n    \"amount\"",
         key="9064450A8892A093D9E97EFCC9639DE31B74F3A7803135555A3C96F5A57915D6", expect="valid")
annotate(JAVA, "src/test/java/com/adyen/util/HMACValidatorTest.java", "NuEkADFmlCC6VgX+wcoPAegIWxVPNBPCuKlM4Hzo5qc=\"\n    },\n    \"eventCode\"",
         key="9064450A8892A093D9E97EFCC9639DE31B74F3A7803135555A3C96F5A57915D6",
         expect="signing string test_REPORT_AVAILABLE::Magento2Rik:testMerchantRef1:::REPORT_AVAILABLE:true")
annotate(JAVA, "src/test/java/com/adyen/util/HMACValidatorTest.java", "\"additionalData\": {\n    },",
         key="9064450A8892A093D9E97EFCC9639DE31B74F3A7803135555A3C96F5A57915D6",
         expect="throws IllegalArgumentException(Missing hmacSignature)")
annotate(JAVA, "src/test/java/com/adyen/util/HMACValidatorTest.java", "\"hmacSignature\": \"\"",
         key="9064450A8892A093D9E97EFCC9639DE31B74F3A7803135555A3C96F5A57915D6",
         expect="throws IllegalArgumentException(Missing hmacSignature)")
annotate(JAVA, "src/test/resources/mocks/hmac-validation-webhook.json",
         key="74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174", expect="valid")
annotate(JAVA, "src/test/java/com/adyen/webhooks/WebhookTest.java", "DONATION", expect="parses (Jackson)")

# .NET
annotate(NET, "Adyen.Test/mocks/notification-response-refund-fail.json",
         key="66B61474A0AA3736BA8789EDC6D6CD9EBA0C4F414A554E32A407F849C045C69D", expect="valid")
annotate(NET, "Adyen.Test/Webhooks/HmacValidatorTest.cs", "cyYGGNUYxRCIwmfET0zxNPQN/m9cKR6xNECwPzTfJIQ=",
         key="AABBCCDDEEFFAABBCCDDEEFFAABBCCDDEEFFAABBCCDDEEFFAABBCCDDEEFFAABB",
         expect="valid (Newtonsoft JsonConvert, single-quoted)")
annotate(NET, "Adyen.Test/mocks/notification/authorisation-default-stj-options.json",
         expect="parses (System.Text.Json defaults and Newtonsoft)")
annotate(NET, "Adyen.Test/mocks/notification/merchant-webhook-payload.json",
         expect="parses; re-serialised it equals the input, compared lower-cased")
# Node
annotate(NODE, "src/__mocks__/notification/authorisationTrue.json", expect="parses (success true)")
for _p in ("captureTrue", "refundTrue"):
    annotate(NODE, f"src/__mocks__/notification/{_p}.json", expect="parses (success true)")
for _p in ("captureFalse", "refundFalse"):
    annotate(NODE, f"src/__mocks__/notification/{_p}.json", expect="parses (success not true)")
# Python and Ruby: the slash/colon files, validated with the same key
for _p in ("backslash", "colon", "forwardslash", "mixed"):
    annotate(PY, f"test/mocks/util/{_p}_notification.json",
             key="74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174", expect="valid")
    annotate(RUBY, f"spec/mocks/responses/Webhooks/{_p}_webhook.json",
             key="74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174", expect="valid")
# Go
annotate(GO, "tests/webhook_handler_test.go", expect="parses (HandleRequest, no error)")
annotate(GO, "tests/readme_test.go", expect="parses: live false, 0 items, no error")
# PHP: the tests compute a signature over a bare item, then validate it
_PHPT = "tests/Unit/Util/HmacSignatureTest.php"
annotate(PHP, _PHPT, "\"merchantReference\": \"TestPayment-1407325143704\",\n                \"amount\": {\n                    \"value\": 1130",
         key="DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00",
         signature="Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I=", expect="signature computed, then valid")
annotate(PHP, _PHPT, "\" TestPayment-1407325143704\"",
         key="DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00",
         signature="kLZtgnXU86m/yjnpBD4aqESFgnoDcy1fGOP1Db/L3+4=", expect="signature computed")
annotate(PHP, _PHPT, "\"eventCode\": \"REFUND\"",
         key="44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
         signature="J7HhsgZo5KwqdB7LFZJV6rfQgp+RqC2kuYyw/3x3w+8=", expect="signature computed, then valid")
annotate(PHP, _PHPT, "ovT21mqdbQToGbWssIhnBXAlnkhgKuehtGwvYFf5h2Q=",
         key="C56F00E99723D90F65254B00746844BED11BCDD0DD42B26EC980DC1301C6CD20", expect="valid")
annotate(PHP, _PHPT, "\"value\": 0,\n                    \"currency\": \"EUR\"\n                },\n                \"eventCode\": \"AUTHORISATION\"",
         expect="isHmacSupportedEventCode true")

# Header-signed: the raw-body signatures the tests check
annotate(JAVA, "src/test/java/com/adyen/webhooks/BalancePlatformWebhooksTest.java", "Integration_tools_test",
         key="D7DD5BA6146493707BF0BE7496F6404EC7A63616B7158EC927B9F54BB436765F",
         signature="9Qz9S/0xpar1klkniKdshxpAhRKbiSAewPpWoxKefQA=", expect="valid")
annotate(NODE, "src/__mocks__/notification/accountHolderCreated.json",
         key="11223344D785FBAE710E7F943F307971BB61B21281C98C9129B3D4018A57B2EB",
         signature="UVBzHbDayhfT1XgaRGAkuKvxwoxrLoVCBdfi3WZU8lI=", expect="valid")
annotate(PY, "test/UtilTest.py", "merchant.created",
         key="44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
         signature="fX74xUdztFmaXAn3IusMFFUBUSkLmDQUK0tm8xL6ZTU=",
         expect="valid (and invalid with signature MismatchingHmacKey=)")
annotate(GO, "src/hmacvalidator/hmacvalidator_test.go", "merchant.created",
         key="DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00",
         signature="yitBTPnDGtbAMG9rTxUa1e6lFGpa4PnrD6rErOmEhJ8=",
         expect="valid (and invalid with signature MismatchingHmacKey=); the body is not valid JSON")
annotate(RUBY, "spec/mocks/responses/Webhooks/mixed_webhook.json", "",
         payload_key="44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
         payload_signature="93Av9t6OVkYCrVHU/xgiTkWGbulJz+Vcm2qO4TYQH2Q=")


def git(repo_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo_dir), *args], check=True,
                          capture_output=True).stdout


# ---------------------------------------------------------------------------------------
# String literals, unescaped as each language defines them.

def _cut_indent(lines: list[str], n: int) -> list[str]:
    return [line[n:] if line[:n].strip() == "" else line.lstrip() for line in lines]


_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "\"": "\"",
           "'": "'", "0": "\0", "v": "\v", "a": "\a", "e": "\x1b", "$": "$", "`": "`", "s": " ",
           "/": "/"}


def _unescape(body: str, lang: str) -> str | None:
    """Apply the escapes of a double-quoted literal of `lang`; None if it cannot be done."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= len(body):
            return None
        e = body[i]
        if e == "u":
            if lang in ("ts", "php") and body[i + 1:i + 2] == "{":
                end = body.index("}", i)
                out.append(chr(int(body[i + 2:end], 16)))
                i = end + 1
                continue
            j = i
            while lang == "java" and body[j + 1:j + 2] == "u":
                j += 1
            if lang == "php":  # PHP knows only \u{...}
                out.append("\\u")
                i += 1
                continue
            out.append(chr(int(body[j + 1:j + 5], 16)))
            i = j + 5
        elif e == "U" and lang in ("cs", "go"):
            out.append(chr(int(body[i + 1:i + 9], 16)))
            i += 9
        elif e == "x" and lang in ("cs", "ts", "go", "php"):
            m = re.match(r"[0-9a-fA-F]{1,4}" if lang == "cs" else r"[0-9a-fA-F]{1,2}", body[i + 1:])
            if not m:
                out.append("\\x")
                i += 1
                continue
            out.append(chr(int(m.group(0), 16)))
            i += 1 + len(m.group(0))
        elif e in "01234567" and lang in ("java", "go", "php") and re.match(r"[0-7]", e):
            m = re.match(r"[0-7]{1,3}", body[i:])
            out.append(chr(int(m.group(0), 8)))
            i += len(m.group(0))
        elif e == "\n" and lang in ("ts", "java"):
            i += 1  # line continuation
        elif e in _SIMPLE:
            if lang == "php" and e in "'ab`s/":
                out.append("\\" + e)
            else:
                out.append(_SIMPLE[e])
            i += 1
        else:
            if lang in ("php", "ts"):
                out.append(("\\" if lang == "php" else "") + e)
                i += 1
            else:
                return None
    return "".join(out)


def _java_text_block(raw: str) -> str:
    # raw: everything between the opening """ (after its line end) and the closing """.
    lines = raw.split("\n")
    last_is_closing = lines[-1].strip() == ""
    significant = [l for l in lines[:-1] if l.strip()] + [lines[-1]]
    n = min(len(l) - len(l.lstrip()) for l in significant) if significant else 0
    lines = [l[n:].rstrip() if l.strip() else "" for l in lines]
    if last_is_closing:
        lines[-1] = ""
    text = "\n".join(lines)
    return _unescape(text, "java") or text


def _cs_raw(raw: str) -> str:
    if "\n" not in raw:
        return raw
    first, *rest = raw.split("\n")
    closing = rest[-1]
    n = len(closing)
    return "\n".join(l[n:] for l in rest[:-1])


def literals(text: str, lang: str) -> list[tuple[int, str]]:
    """String literals of a source file, adjacent ones joined by the concatenation operator.

    Returns (offset, value) pairs; interpolated strings are dropped.
    """
    if lang == "py":
        return _py_literals(text)
    concat = "." if lang == "php" else "+"
    toks: list[tuple[int, str, str | None]] = []  # (offset, kind, value)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        two = text[i:i + 2]
        if two == "//" or (c == "#" and lang in ("php", "rb")):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if two == "/*":
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        start = i
        value: str | None = None
        if lang == "java" and text.startswith('"""', i):
            j = text.find("\n", i) + 1
            k = text.find('"""', j)
            while text[k - 1] == "\\":
                k = text.find('"""', k + 1)
            value = _java_text_block(text[j:k])
            i = k + 3
        elif lang == "cs" and re.match(r'\$*"""', text[i:]):
            dollars = len(re.match(r"\$*", text[i:]).group(0))
            q = len(re.match(r'"+', text[i + dollars:]).group(0))
            j = i + dollars + q
            k = text.find('"' * q, j)
            raw = text[j:k]
            value = _cs_raw(raw) if not (dollars and "{" in raw) else None
            i = k + q
        elif lang == "cs" and re.match(r'(\$@|@\$|@)"', text[i:]):
            pre = re.match(r'(\$@|@\$|@)"', text[i:]).group(0)
            j = i + len(pre)
            buf = []
            while True:
                if text[j] == '"' and text[j + 1:j + 2] == '"':
                    buf.append('"')
                    j += 2
                elif text[j] == '"':
                    break
                else:
                    buf.append(text[j])
                    j += 1
            value = "".join(buf)
            if "$" in pre:
                value = None if re.search(r"(?<!\{)\{(?!\{)", value) else value.replace("{{", "{").replace("}}", "}")
            i = j + 1
        elif lang == "php" and text.startswith("<<<", i):
            m = re.match(r"<<<[ \t]*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1\r?\n", text[i:])
            if not m:
                i += 3
                continue
            ident = m.group(2)
            j = i + m.end()
            end = re.compile(r"^([ \t]*)" + ident + r"\b", re.M).search(text, j)
            body = text[j:end.start()]
            body = body[:-1] if body.endswith("\n") else body
            lines = _cut_indent(body.split("\n"), len(end.group(1)))
            body = "\n".join(lines)
            if m.group(1) != "'":
                value = None if re.search(r"(?<!\\)\$[A-Za-z_{]", body) else _unescape(body, "php")
            else:
                value = body
            i = end.start() + len(end.group(0))
        elif c in "\"'`" and not (c == "`" and lang not in ("ts", "go")) \
                and not (c == "'" and lang in ("java", "cs", "go")):
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and not (c == "`" and lang == "go") else 1
            raw = text[i + 1:j]
            i = j + 1
            if c == "`" and lang == "go":
                value = raw.replace("\r", "")
            elif c == "`":
                value = None if "${" in raw else _unescape(raw, "ts")
            elif c == "'" and lang in ("php", "rb"):
                value = re.sub(r"\\([\\'])", r"\1", raw)
            elif lang == "php" and re.search(r"(?<!\\)\$[A-Za-z_{]", raw):
                value = None
            elif lang == "rb" and c == '"' and "#{" in raw:
                value = None
            else:
                value = _unescape(raw, lang)
            if lang == "cs" and text[start - 1:start] == "$" and value is not None:
                value = None if re.search(r"(?<!\{)\{(?!\{)", value) else value.replace("{{", "{").replace("}}", "}")
        elif c == "'" and lang in ("java", "cs", "go"):
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            i += m.end() if m else 1
            continue
        elif text.startswith(concat, i):
            toks.append((i, "op", None))
            i += len(concat)
            continue
        elif c.isspace():
            i += 1
            continue
        else:
            toks.append((i, "other", None))
            i += 1
            continue
        toks.append((start, "str", value))
    out: list[tuple[int, str]] = []
    k = 0
    while k < len(toks):
        off, kind, val = toks[k]
        if kind != "str":
            k += 1
            continue
        parts = [val]
        k += 1
        while k + 1 < len(toks) and toks[k][1] == "op" and toks[k + 1][1] == "str":
            parts.append(toks[k + 1][2])
            k += 2
        if all(p is not None for p in parts):
            out.append((off, "".join(parts)))
    return out


def _py_literals(text: str) -> list[tuple[int, str]]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((offsets[node.lineno - 1] + node.col_offset, node.value))
    return sorted(out)


# ---------------------------------------------------------------------------------------
# Classification.

def classify(text: str) -> str | None:
    """'standard', 'header-signed' or None, from the body text."""
    s = text.strip()
    if not s.startswith("{"):
        return None
    try:
        doc = json.loads(s)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        if "notificationItems" in doc or "NotificationRequestItem" in doc:
            return "standard"
        if "eventCode" in doc and ("pspReference" in doc or "merchantAccountCode" in doc):
            return "standard"
        if isinstance(doc.get("type"), str) and "data" in doc:
            return "standard" if doc["type"] in STANDARD_TYPES else "header-signed"
        if isinstance(doc.get("type"), str) and WEBHOOK_TYPE.match(doc["type"]) and "environment" in doc:
            return "header-signed"  # relayed authentication/authorisation: no "data" wrapper
        return None
    if doc is not None:
        return None
    # Not JSON: keep it when it plainly means to be a webhook body.
    # (.NET's tests also feed Newtonsoft single-quoted pseudo-JSON.)
    if re.search(r"[\"']notificationItems[\"']\s*:", s) or (
            re.search(r"[\"']eventCode[\"']\s*:", s) and re.search(r"[\"']pspReference[\"']\s*:", s)):
        return "standard"
    if re.search(r'"type"\s*:\s*"[a-z]+\.[A-Za-z.]+"', s) and re.search(r'"data"\s*:', s):
        return "header-signed"
    return None


def shape(doc) -> str:
    if not isinstance(doc, dict):
        return "not-json"
    if "notificationItems" in doc:
        return "envelope"
    if "NotificationRequestItem" in doc:
        return "wrapped-item"
    if "eventCode" in doc:
        return "item"
    return "typed"


# ---------------------------------------------------------------------------------------

def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def library_bodies(mirrors: Path):
    for short, repo, roots, ext in LIBRARIES:
        d = mirrors / repo.replace("/", "+") / "repo"
        commit = git(d, "rev-parse", "HEAD").decode().strip()
        files = git(d, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
        lang = {".java": "java", ".cs": "cs", ".ts": "ts", ".py": "py", "_test.go": "go",
                ".php": "php", ".rb": "rb"}[ext]
        for path in sorted(files):
            if not path.startswith(roots):
                continue
            if short == "go" and path.startswith("src/") and not path.endswith("_test.go"):
                continue
            if not (path.endswith(".json") or path.endswith(ext)):
                continue
            raw = git(d, "show", f"HEAD:{path}")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if path.endswith(".json"):
                bodies = [(0, text)]
            elif lang == "rb":
                bodies = []  # the Ruby specs build items as hashes; their bodies are JSON files
            else:
                bodies = [(off, v) for off, v in literals(text, lang) if "{" in v]
            for off, body in bodies:
                kind = classify(body)
                if kind is None:
                    continue
                line = text.count("\n", 0, off) + 1
                rec = {"repo": repo, "path": path, "commit": commit, "line": line,
                       "body": body, "_lib": short}
                yield kind, rec
                if (repo, path) in ALSO_HEADER_SIGNED:
                    yield "header-signed", dict(rec)


def _examples(spec: dict):
    """(label, value) for every example payload in a spec revision."""
    comps = spec.get("components", {}).get("examples", {}) or {}
    for name in comps:
        ex = comps[name]
        if isinstance(ex, dict) and "value" in ex:
            yield f"components.examples.{name}", ex["value"]
    hooks = spec.get("webhooks") or spec.get("x-webhooks") or {}
    if not hooks and "paths" in spec:
        hooks = spec["paths"]
    for hook, ops in hooks.items():
        if not isinstance(ops, dict):
            continue
        for verb, op in ops.items():
            if not isinstance(op, dict):
                continue
            content = (op.get("requestBody") or {}).get("content") or {}
            for mtype, media in content.items():
                if not isinstance(media, dict):
                    continue
                base = f"webhooks.{hook}.{verb}.requestBody.{mtype}"
                if "example" in media:
                    yield f"{base}.example", media["example"]
                for ename, ex in (media.get("examples") or {}).items():
                    if isinstance(ex, dict) and "value" in ex and "$ref" not in ex:
                        yield f"{base}.examples.{ename}", ex["value"]
                schema = media.get("schema") or {}
                if isinstance(schema, dict) and "example" in schema:
                    yield f"{base}.schema.example", schema["example"]


def openapi_bodies(mirrors: Path):
    d = mirrors / OPENAPI.replace("/", "+") / "repo"
    for spec_path in OPENAPI_FILES:
        revs = git(d, "log", "--all", "--reverse", "--format=%H", "--", spec_path).decode().split()
        for rev in revs:
            try:
                raw = git(d, "show", f"{rev}:{spec_path}")
            except subprocess.CalledProcessError:
                continue  # deleted in that revision
            spec = json.loads(raw)
            for label, value in _examples(spec):
                # The spec holds examples as JSON values, not text: they are written out
                # compactly, keys in the spec's order, non-ASCII as is.
                body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                kind = classify(body)
                if kind is None:
                    continue
                yield kind, {"repo": OPENAPI, "path": spec_path, "commit": rev,
                             "pointer": label, "body": body, "_lib": "openapi"}


def name_for(rec: dict, taken: set) -> str:
    if rec["_lib"] == "openapi":
        base = "openapi-" + slug(rec["pointer"].split(".")[-1])
    else:
        stem = Path(rec["path"]).name
        for suf in (".json", ".java", ".cs", ".spec.ts", ".ts", ".py", "_test.go", ".php", ".rb"):
            if stem.endswith(suf):
                stem = stem[: -len(suf)]
                break
        base = f"{rec['_lib']}-{slug(stem)}"
        if not rec["path"].endswith(".json"):
            base += f"-l{rec['line']}"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    taken.add(name)
    return name


def find_annotation(rec: dict, kind: str) -> dict:
    fields = {}
    for (repo, path, marker), extra in ANNOTATIONS.items():
        if repo == rec["repo"] and path == rec["path"] and marker in rec["body"]:
            fields.update(extra)
    # A body that a test checks both ways carries its raw-body key and signature apart.
    payload = {k: fields.pop(k) for k in ("payload_key", "payload_signature") if k in fields}
    if kind == "header-signed" and payload:
        fields = {"key": payload["payload_key"], "signature": payload["payload_signature"],
                  "expect": "valid (HMAC of the raw body)"}
    return fields


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    mirrors = Path(argv[1])
    out_dir = Path(argv[2]) if len(argv) == 3 else Path(__file__).resolve().parent
    outputs = {"standard": {}, "header-signed": {}}
    for kind, rec in list(library_bodies(mirrors)) + list(openapi_bodies(mirrors)):
        if kind == "header-signed" and rec["_lib"] == "openapi":
            continue  # collected elsewhere
        seen = outputs[kind]
        if rec["body"] in seen:
            first = seen[rec["body"]]
            first["duplicates"] += 1
            where = f"{rec['repo']}:{rec['path']}@{rec['commit'][:12]}"
            if where not in first["also"]:
                first["also"].append(where)
            continue
        rec["duplicates"] = 0
        rec["also"] = []
        seen[rec["body"]] = rec
    for kind, fname in (("standard", "standard.jsonl"), ("header-signed", "library-header-signed.jsonl")):
        taken: set = set()
        lines = []
        for rec in outputs[kind].values():
            try:
                doc = json.loads(rec["body"])
            except ValueError:
                doc = None
            row = {"name": name_for(rec, taken), "repo": rec["repo"], "path": rec["path"],
                   "commit": rec["commit"]}
            if "pointer" in rec:
                row["pointer"] = rec["pointer"]
            else:
                row["line"] = rec["line"]
            row["shape"] = shape(doc)
            row["body"] = rec["body"]
            row.update(find_annotation(rec, kind))
            row["duplicates"] = rec["duplicates"]
            if rec["also"]:
                row["also"] = rec["also"]
            lines.append(json.dumps(row, ensure_ascii=False))
        (out_dir / fname).write_text("".join(l + "\n" for l in lines), encoding="utf-8")
        print(f"{fname}: {len(lines)} bodies", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
