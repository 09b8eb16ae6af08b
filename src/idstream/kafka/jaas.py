"""The Java client's `sasl.jaas.config` line, read the way Kafka's JaasConfig reads it:
`<LoginModule class> <control flag> key=value ... ;` with values in single or double quotes
(or bare words) and any amount of whitespace between the parts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FLAGS = ("required", "requisite", "sufficient", "optional")
PLAIN = "PlainLoginModule"
SCRAM = "ScramLoginModule"
OAUTHBEARER = "OAuthBearerLoginModule"
KERBEROS = "Krb5LoginModule"
KNOWN_MODULES = (PLAIN, SCRAM, OAUTHBEARER, KERBEROS)
# Options whose value is a credential: masked wherever the line is shown.
SECRET_OPTIONS = frozenset({"password", "clientSecret"})

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<dq>"(?:[^"\\]|\\.)*")
      | (?P<sq>'(?:[^'\\]|\\.)*')
      | (?P<eq>=)
      | (?P<semi>;)
      | (?P<word>[^\s=;"']+)
    )""",
    re.VERBOSE,
)


class JaasError(ValueError):
    pass


@dataclass
class JaasEntry:
    module: str  # the full class name as written
    flag: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        """The simple class name when it is one idstream understands."""
        simple = self.module.rsplit(".", 1)[-1]
        return simple if simple in KNOWN_MODULES else None


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            rest = text[position:].strip()
            if not rest:
                break
            raise JaasError(f"unexpected text [{rest[:20]}]")
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind in ("dq", "sq"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
            kind = "quoted"
        tokens.append((kind, value))
    return tokens


def parse(text: str) -> JaasEntry:
    """One login module entry; raises JaasError with a plain reason when it is malformed."""
    tokens = _tokens(text)
    if not tokens or tokens[0][0] != "word":
        raise JaasError("it must start with a login module class name")
    module = tokens[0][1]
    if len(tokens) < 2 or tokens[1][0] != "word" or tokens[1][1].lower() not in FLAGS:
        raise JaasError(f"the login module must be followed by a control flag ({', '.join(FLAGS)})")
    entry = JaasEntry(module=module, flag=tokens[1][1].lower())
    index = 2
    while index < len(tokens):
        kind, value = tokens[index]
        if kind == "semi":
            if any(k != "semi" for k, _ in tokens[index + 1 :]):
                raise JaasError("only one login module may be configured")
            break
        if kind != "word":
            raise JaasError(f"expected an option name, found [{value}]")
        if index + 2 >= len(tokens) or tokens[index + 1][0] != "eq":
            raise JaasError(f'option [{value}] must be written {value}="..."')
        option_kind, option_value = tokens[index + 2]
        if option_kind not in ("word", "quoted"):
            raise JaasError(f"option [{value}] has no value")
        entry.options[value] = option_value
        index += 3
    return entry


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(entry: JaasEntry) -> str:
    options = "".join(f" {name}={_quote(value)}" for name, value in entry.options.items())
    return f"{entry.module} {entry.flag}{options};"
