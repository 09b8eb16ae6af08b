"""The security part of the translation: security.protocol, sasl.mechanism, sasl.jaas.config
and the Java client's trust and key stores, which librdkafka spells differently."""

from __future__ import annotations

from typing import Protocol

from idstream.kafka import jaas
from idstream.kafka import java_catalogue as java


class Sink(Protocol):
    """What the translator offers this module: somewhere to put results and problems."""

    @property
    def config(self) -> dict[str, str]: ...

    def warn(self, key: str, message: str) -> None: ...

    def error(self, key: str, message: str) -> None: ...


_MECHANISM_OF = {jaas.PLAIN: ("PLAIN",), jaas.SCRAM: ("SCRAM-SHA-256", "SCRAM-SHA-512")}


def translate(sink: Sink, values: dict[str, str]) -> None:
    protocol = _protocol(sink, values)
    mechanism = _mechanism(sink, values)
    _sasl(sink, values, protocol, mechanism)
    _truststore(sink, values)
    _keystore(sink, values)
    _endpoint_identification(sink, values)


def _protocol(sink: Sink, values: dict[str, str]) -> str:
    value = values.get("security.protocol")
    if value is None:
        return "PLAINTEXT"
    protocol = value.upper()
    if protocol not in java.SECURITY_PROTOCOLS:
        sink.error(
            "security.protocol",
            f"[security.protocol] must be one of {', '.join(java.SECURITY_PROTOCOLS)}; "
            f"[{value}] is not a security protocol.",
        )
        return "PLAINTEXT"
    sink.config["security.protocol"] = protocol
    return protocol


def _mechanism(sink: Sink, values: dict[str, str]) -> str | None:
    value = values.get("sasl.mechanism")
    if value is None:
        return None
    mechanism = value.upper()
    if mechanism == "GSSAPI":
        sink.error(
            "sasl.mechanism",
            "[sasl.mechanism] GSSAPI (Kerberos) is not supported; "
            "use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER.",
        )
        return None
    if mechanism not in java.SASL_MECHANISMS:
        sink.error(
            "sasl.mechanism",
            f"[sasl.mechanism] must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER; "
            f"not [{value}].",
        )
        return None
    return mechanism


def _sasl(sink: Sink, values: dict[str, str], protocol: str, mechanism: str | None) -> None:
    uses_sasl = protocol.startswith("SASL_")
    line = values.get("sasl.jaas.config")
    if line is not None and not uses_sasl:
        sink.warn(
            "sasl.jaas.config",
            f"[sasl.jaas.config] is ignored: security.protocol is "
            f"{protocol}, not SASL_SSL or SASL_PLAINTEXT.",
        )
        return
    if not uses_sasl:
        return
    if line is None:
        if mechanism is None:
            sink.error(
                "sasl.mechanism",
                f"[sasl.mechanism] is required with security.protocol "
                f"{protocol} (the Java default, GSSAPI, is not supported).",
            )
            return
        sink.config["sasl.mechanism"] = mechanism
        if mechanism != "OAUTHBEARER" and "sasl.username" not in sink.config:
            sink.error(
                "sasl.jaas.config",
                f"[sasl.jaas.config] is required with security.protocol "
                f"{protocol}: it holds the username and password.",
            )
        return
    try:
        entry = jaas.parse(line)
    except jaas.JaasError as error:
        sink.error("sasl.jaas.config", f"[sasl.jaas.config] cannot be read: {error}.")
        return
    kind = entry.kind
    if kind is None or kind == jaas.KERBEROS:
        sink.error(
            "sasl.jaas.config",
            f"[sasl.jaas.config] login module {entry.module} is not "
            "supported; use PlainLoginModule, ScramLoginModule or OAuthBearerLoginModule.",
        )
        return
    if kind == jaas.OAUTHBEARER:
        _oauthbearer(sink, values, entry, mechanism)
        return
    allowed = _MECHANISM_OF[kind]
    if mechanism is None and len(allowed) == 1:
        mechanism = allowed[0]
    if mechanism not in allowed:
        sink.error(
            "sasl.mechanism",
            f"[sasl.mechanism] must be {' or '.join(allowed)} with "
            f"{kind} in sasl.jaas.config; it is [{mechanism or 'not set'}].",
        )
        return
    for option in ("username", "password"):
        if not entry.options.get(option):
            sink.error("sasl.jaas.config", f"[sasl.jaas.config] {kind} needs a {option}.")
            return
    sink.config["sasl.mechanism"] = mechanism
    sink.config["sasl.username"] = entry.options["username"]
    sink.config["sasl.password"] = entry.options["password"]


def _oauthbearer(
    sink: Sink, values: dict[str, str], entry: jaas.JaasEntry, mechanism: str | None
) -> None:
    if mechanism not in (None, "OAUTHBEARER"):
        sink.error(
            "sasl.mechanism",
            "[sasl.mechanism] must be OAUTHBEARER with OAuthBearerLoginModule in sasl.jaas.config.",
        )
        return
    config, options = sink.config, entry.options
    config["sasl.mechanism"] = "OAUTHBEARER"
    extensions = ",".join(
        f"{name[len('extension_') :]}={value}"
        for name, value in options.items()
        if name.startswith("extension_")
    )
    if values.get("sasl.oauthbearer.token.endpoint.url"):
        for option in ("clientId", "clientSecret"):
            if not options.get(option):
                sink.error(
                    "sasl.jaas.config",
                    f"[sasl.jaas.config] OAuthBearerLoginModule "
                    f"needs {option} to fetch tokens from the token endpoint.",
                )
                return
        config["sasl.oauthbearer.method"] = "oidc"
        config["sasl.oauthbearer.client.id"] = options["clientId"]
        config["sasl.oauthbearer.client.secret"] = options["clientSecret"]
        if options.get("scope"):
            config["sasl.oauthbearer.scope"] = options["scope"]
        if extensions:
            config["sasl.oauthbearer.extensions"] = extensions
        return
    subject = options.get("unsecuredLoginStringClaim_sub")
    if subject:
        # Kafka's unsecured JWT, for development brokers only.
        config["enable.sasl.oauthbearer.unsecure.jwt"] = "true"
        parts = [f"principal={subject}"]
        if extensions:
            parts += [f"extension_{item}" for item in extensions.split(",")]
        config["sasl.oauthbearer.config"] = " ".join(parts)
        return
    sink.error(
        "sasl.jaas.config",
        "[sasl.jaas.config] OAuthBearerLoginModule needs "
        "sasl.oauthbearer.token.endpoint.url with clientId and clientSecret.",
    )


def _truststore(sink: Sink, values: dict[str, str]) -> None:
    location = values.get("ssl.truststore.location")
    certificates = values.get("ssl.truststore.certificates")
    given = values.get("ssl.truststore.type")
    if given is None and location is None and certificates is None:
        if "ssl.truststore.password" in values:
            sink.warn(
                "ssl.truststore.password",
                "[ssl.truststore.password] is ignored: no truststore is configured.",
            )
        return
    kind = (given or "JKS").upper()
    key = "ssl.truststore.type" if given is not None else "ssl.truststore.location"
    if kind in ("JKS", "PKCS12"):
        default = "" if given is not None else " (the Java default type)"
        sink.error(
            key,
            f"[{key}] {kind}{default} truststores are not supported: export the CA "
            "certificates as PEM (keytool -exportcert -rfc) and set "
            "ssl.truststore.type=PEM.",
        )
        return
    if kind != "PEM":
        sink.error(key, f"[ssl.truststore.type] must be PEM; [{given}] is not supported.")
        return
    if "ssl.truststore.password" in values:
        sink.warn(
            "ssl.truststore.password",
            "[ssl.truststore.password] is ignored: a PEM truststore has no password.",
        )
    if location and certificates:
        sink.error(
            "ssl.truststore.certificates",
            "[ssl.truststore.certificates] and ssl.truststore.location cannot both be set.",
        )
    elif location:
        sink.config["ssl.ca.location"] = location
    elif certificates:
        sink.config["ssl.ca.pem"] = certificates
    else:
        sink.warn(
            "ssl.truststore.type",
            "[ssl.truststore.type] is ignored: neither "
            "ssl.truststore.location nor ssl.truststore.certificates is set.",
        )


def _keystore(sink: Sink, values: dict[str, str]) -> None:
    location = values.get("ssl.keystore.location")
    key_pem = values.get("ssl.keystore.key")
    chain = values.get("ssl.keystore.certificate.chain")
    password = values.get("ssl.keystore.password")
    given = values.get("ssl.keystore.type")
    if given is None and location is None and key_pem is None and chain is None:
        if password is not None:
            sink.warn(
                "ssl.keystore.password",
                "[ssl.keystore.password] is ignored: no keystore is configured.",
            )
        return
    kind = (given or ("PEM" if key_pem or chain else "JKS")).upper()
    key = "ssl.keystore.type" if given is not None else "ssl.keystore.location"
    if kind == "JKS":
        sink.error(
            key, f"[{key}] JKS keystores are not supported: use ssl.keystore.type=PKCS12 or PEM."
        )
    elif kind == "PKCS12":
        if not location:
            sink.error(
                "ssl.keystore.location",
                "[ssl.keystore.location] is required with ssl.keystore.type=PKCS12.",
            )
            return
        sink.config["ssl.keystore.location"] = location
        if password is not None:
            sink.config["ssl.keystore.password"] = password
    elif kind == "PEM":
        if password is not None:
            sink.warn(
                "ssl.keystore.password",
                "[ssl.keystore.password] is ignored with a PEM "
                "keystore; the key's password is ssl.key.password.",
            )
        if location:
            # Java's PEM keystore file holds the private key and its certificate chain.
            sink.config["ssl.key.location"] = location
            sink.config["ssl.certificate.location"] = location
        elif key_pem and chain:
            sink.config["ssl.key.pem"] = key_pem
            sink.config["ssl.certificate.pem"] = chain
        else:
            sink.error(
                "ssl.keystore.key",
                "[ssl.keystore.key] and ssl.keystore.certificate.chain "
                "are both needed for a PEM keystore without ssl.keystore.location.",
            )
    else:
        sink.error(key, f"[ssl.keystore.type] must be PKCS12 or PEM; [{given}] is not supported.")


def _endpoint_identification(sink: Sink, values: dict[str, str]) -> None:
    value = values.get("ssl.endpoint.identification.algorithm")
    if value is None:
        return
    if value == "":
        sink.config["ssl.endpoint.identification.algorithm"] = "none"
    elif value.lower() in ("https", "none"):
        sink.config["ssl.endpoint.identification.algorithm"] = value.lower()
    else:
        sink.error(
            "ssl.endpoint.identification.algorithm",
            f"[ssl.endpoint.identification.algorithm] must be https or empty; not [{value}].",
        )
