"""Kafka client properties the way Kafka users write them (Java client names, `key=value`
lines), validated and translated to the librdkafka configuration confluent-kafka runs.

    parsed = parse_properties(text)            # Java .properties text -> dict, line numbers
    result = translate(parsed.values, "producer", parsed.lines)
    result.config      # librdkafka settings (secrets included: never log or return it)
    result.warnings    # ignored properties, said plainly
    result.errors      # each names its property; nothing should be saved or run when any

The same module serves the relay, "Send test event", the Integrations API and the CLI
(`role="consumer"` for `kafka consume --consumer-config`)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from idstream.kafka import java_catalogue as java
from idstream.kafka import security
from idstream.kafka.librdkafka_catalogue import PROPERTIES as LIBRDKAFKA
from idstream.kafka.propfile import ParsedProperties, Problem, parse_properties, to_text
from idstream.kafka.secrets import MASK, is_secret, mask_properties, restore_secrets

__all__ = [
    "CONSUMER",
    "DEFAULT_MAX_BLOCK_MS",
    "MASK",
    "PRODUCER",
    "ParsedProperties",
    "Problem",
    "Translation",
    "is_secret",
    "mask_properties",
    "parse_properties",
    "restore_secrets",
    "to_text",
    "translate",
    "translate_text",
]

PRODUCER = "producer"
CONSUMER = "consumer"
ROLES = (PRODUCER, CONSUMER)
# idstream's wait bound when the properties do not set max.block.ms (FusionAuth's default).
DEFAULT_MAX_BLOCK_MS = 5000
_ROLE_LETTER = {PRODUCER: "P", CONSUMER: "C"}
_NUMERIC_SUFFIXES = (".ms", ".bytes", ".seconds", ".size", ".records")


@dataclass
class Translation:
    role: str
    config: dict[str, str] = field(default_factory=dict)
    max_block_ms: int = DEFAULT_MAX_BLOCK_MS
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- translation --------------------------------------------------------------------------


class _Translator:
    def __init__(self, role: str, lines: Mapping[str, int]) -> None:
        self.role = role
        self.lines = lines
        self.result = Translation(role=role)
        self.values: dict[str, str] = {}

    @property
    def config(self) -> dict[str, str]:
        return self.result.config

    def warn(self, key: str, message: str) -> None:
        self.result.warnings.append(Problem(key, message, self.lines.get(key)))

    def error(self, key: str, message: str) -> None:
        self.result.errors.append(Problem(key, message, self.lines.get(key)))

    def ignore_for_role(self, key: str, owner: str) -> None:
        kind = "consumer" if owner == "C" else "producer"
        self.warn(key, f"[{key}] is a {kind} property; it is ignored for the {self.role}.")

    def number(self, key: str, value: str, *, integer: bool = True) -> float | None:
        try:
            return int(value) if integer else float(value)
        except ValueError:
            unit = "milliseconds" if key.endswith(".ms") else "a number"
            what = "a number of milliseconds" if unit == "milliseconds" else "a number"
            self.error(key, f"[{key}] must be {what}; [{value}] is not a number.")
            return None

    def run(self, properties: Mapping[str, Any]) -> Translation:
        for key, raw in properties.items():
            if isinstance(raw, bool):
                self.values[str(key)] = "true" if raw else "false"
            elif isinstance(raw, (str, int, float)):
                self.values[str(key)] = str(raw).strip()
            else:
                self.error(str(key), f"[{key}] must be a string, number or boolean.")
        for key, value in self.values.items():
            self.one(key, value)
        security.translate(self, self.values)
        self.special()
        self.wait_bound()
        if self.role == PRODUCER:
            self.producer_guarantees()
        return self.result

    def one(self, key: str, value: str) -> None:
        config = self.result.config
        if key in java.HANDLED:
            return
        owner = java.JAVA_ONLY_ROLE.get(key) or getattr(LIBRDKAFKA.get(key), "role", None)
        numeric_java_name = key.endswith(_NUMERIC_SUFFIXES) and key in java.JAVA_NAMES
        if numeric_java_name and self.number(key, value, integer=False) is None:
            return
        if owner in ("P", "C") and owner != _ROLE_LETTER[self.role]:
            self.ignore_for_role(key, owner)
        elif key in java.SERIALIZERS or key in java.DESERIALIZERS:
            self.warn(key, f"[{key}] is ignored: idstream reads and writes the raw JSON bytes.")
        elif key in java.RENAMED:
            self.passthrough(java.RENAMED[key], value, key)
        elif key in java.SOCKET_BUFFERS:
            number = self.number(key, value)
            if number is not None:
                config[java.SOCKET_BUFFERS[key]] = "0" if number < 0 else str(int(number))
        elif key in java.NO_EQUIVALENT:
            self.warn(key, f"[{key}] has no equivalent in librdkafka; it is ignored.")
        elif key in LIBRDKAFKA:
            self.passthrough(key, value, key)
        else:
            self.unknown(key)

    def unknown(self, key: str) -> None:
        known = sorted(java.JAVA_NAMES | set(LIBRDKAFKA))
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        hint = f" Did you mean [{close[0]}]?" if close else ""
        self.error(key, f"[{key}] is not a Kafka {self.role} property.{hint}")

    def passthrough(self, target: str, value: str, key: str) -> None:
        spec = LIBRDKAFKA[target]
        if target == "acks" and value.lower() == "all":
            pass
        elif spec.kind in ("int", "float"):
            number = self.number(key, value, integer=spec.kind == "int")
            if number is None:
                return
            low, high = spec.minimum, spec.maximum
            if low is not None and high is not None and not low <= number <= high:
                self.error(
                    key,
                    f"[{key}] must be between {low:g} and {high:g}; [{value}] is out of range.",
                )
                return
        elif spec.kind == "bool" and value.lower() not in ("true", "false"):
            self.error(key, f"[{key}] must be true or false, not [{value}].")
            return
        elif spec.kind == "enum" and value.lower() not in (v.lower() for v in spec.values):
            self.error(key, f"[{key}] must be one of {', '.join(spec.values)}; not [{value}].")
            return
        self.result.config[target] = value.lower() if spec.kind in ("bool", "enum") else value

    def special(self) -> None:
        values, config = self.values, self.result.config
        memory = values.get("buffer.memory")
        if memory is not None and self.role == PRODUCER:
            number = self.number("buffer.memory", memory)
            if number is not None:
                config["queue.buffering.max.kbytes"] = str(max(1, -(-int(number) // 1024)))
        elif memory is not None:
            self.ignore_for_role("buffer.memory", "P")
        if "partitioner.class" in values and self.role == CONSUMER:
            self.ignore_for_role("partitioner.class", "P")
        strategy = values.get("partition.assignment.strategy")
        if strategy is not None and self.role == PRODUCER:
            self.ignore_for_role("partition.assignment.strategy", "C")
        elif strategy is not None:
            self.assignors(strategy)
        lookup = values.get("client.dns.lookup")
        if lookup is None:
            return
        allowed = LIBRDKAFKA["client.dns.lookup"].values
        if lookup.lower() == "default":
            self.warn(
                "client.dns.lookup",
                "[client.dns.lookup] default is retired; use_all_dns_ips is used.",
            )
            config["client.dns.lookup"] = "use_all_dns_ips"
        elif lookup.lower() in allowed:
            config["client.dns.lookup"] = lookup.lower()
        else:
            self.error(
                "client.dns.lookup",
                f"[client.dns.lookup] must be one of {', '.join(allowed)}; not [{lookup}].",
            )

    def assignors(self, strategy: str) -> None:
        names = []
        for item in (part.strip() for part in strategy.split(",") if part.strip()):
            name = java.ASSIGNORS.get(item.rsplit(".", 1)[-1])
            if name is None and item in java.ASSIGNORS.values():
                name = item
            if name is None:
                self.error(
                    "partition.assignment.strategy",
                    f"[partition.assignment.strategy] "
                    f"{item} has no librdkafka equivalent; use RangeAssignor, "
                    "RoundRobinAssignor or CooperativeStickyAssignor.",
                )
                return
            names.append(name)
        self.result.config["partition.assignment.strategy"] = ",".join(names)

    def wait_bound(self) -> None:
        own = "max.block.ms" if self.role == PRODUCER else "default.api.timeout.ms"
        other = "default.api.timeout.ms" if self.role == PRODUCER else "max.block.ms"
        if other in self.values:
            self.ignore_for_role(other, "C" if self.role == PRODUCER else "P")
        if own in self.values:
            number = self.number(own, self.values[own])
            if number is not None and number < 0:
                self.error(own, f"[{own}] must not be negative.")
            elif number is not None:
                self.result.max_block_ms = int(number)

    def producer_guarantees(self) -> None:
        """The relay's promises (no loss, no reordering) need an idempotent producer that
        waits for every in-sync replica."""
        config, values = self.result.config, self.values
        if values.get("enable.idempotence", "true").lower() == "false":
            self.warn("enable.idempotence", "[enable.idempotence] is always true in idstream.")
        if values.get("acks", "all").lower() not in ("all", "-1"):
            self.warn("acks", "[acks] is always all in idstream, so no event is lost.")
        inflight = config.get("max.in.flight.requests.per.connection")
        if inflight is not None and inflight.isdigit() and int(inflight) > 5:
            self.error(
                "max.in.flight.requests.per.connection",
                "[max.in.flight.requests.per.connection] must be 5 or less for an idempotent "
                "producer.",
            )
        for key in ("retries", "message.send.max.retries"):
            if config.get(key) == "0":
                self.error(key, f"[{key}] must be more than 0 for an idempotent producer.")
        if "transactional.id" in config:
            del config["transactional.id"]
            self.warn(
                "transactional.id",
                "[transactional.id] is ignored: idstream does not use Kafka transactions.",
            )
        config["enable.idempotence"] = "true"
        config["acks"] = "all"
        partitioner = values.get("partitioner.class")
        if partitioner is not None and partitioner not in java.JAVA_PARTITIONERS:
            self.warn(
                "partitioner.class",
                f"[partitioner.class] {partitioner} cannot run in "
                "librdkafka; keys are hashed with murmur2 as Java's default does.",
            )
        chosen = java.JAVA_PARTITIONERS.get(partitioner or "", "murmur2_random")
        config.setdefault("partitioner", chosen)


def translate(
    properties: Mapping[str, Any], role: str = PRODUCER, lines: Mapping[str, int] | None = None
) -> Translation:
    """Validate Java-client properties and translate them to librdkafka's configuration."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    return _Translator(role, lines or {}).run(properties)


def translate_text(text: str, role: str = PRODUCER) -> Translation:
    """parse_properties + translate, with the parser's problems included."""
    parsed = parse_properties(text)
    result = translate(parsed.values, role, parsed.lines)
    result.errors[:0] = parsed.errors
    result.warnings[:0] = parsed.warnings
    return result
