"""Java-client producer properties: parsing, validation, translation to librdkafka, masking."""

from __future__ import annotations

from idstream.kafka import properties
from idstream.kafka.properties import (
    MASK,
    mask_properties,
    parse_properties,
    restore_secrets,
    translate,
    translate_text,
)

DOCKER_EXAMPLE = """bootstrap.servers=kafka:9092
max.block.ms=5000
request.timeout.ms=2000
"""

MANAGED_EXAMPLE = """bootstrap.servers=pkc-6ojv2.us-west4.gcp.your-kafka-provider.cloud:9092
client.dns.lookup=use_all_dns_ips
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule   required username='ZN6LJ5UHSXZLW3LR'   password='M9T8b85OPspFAS37Do5Baq7jIS+hl7h7bY8MRrfVff5lz8xeCwea7zB5AC3nKXUD';
sasl.mechanism=PLAIN
security.protocol=SASL_SSL
session.timeout.ms=45000
"""  # noqa: E501


def messages(problems: list[properties.Problem]) -> str:
    return " | ".join(str(p) for p in problems)


def test_docker_example_is_accepted_and_max_block_ms_stays_with_idstream() -> None:
    result = translate_text(DOCKER_EXAMPLE)
    assert result.ok, messages(result.errors)
    assert result.config["bootstrap.servers"] == "kafka:9092"
    assert result.config["request.timeout.ms"] == "2000"
    assert "max.block.ms" not in result.config
    assert result.max_block_ms == 5000


def test_managed_example_becomes_sasl_username_and_password() -> None:
    result = translate_text(MANAGED_EXAMPLE)
    assert result.ok, messages(result.errors)
    assert result.config["security.protocol"] == "SASL_SSL"
    assert result.config["sasl.mechanism"] == "PLAIN"
    assert result.config["sasl.username"] == "ZN6LJ5UHSXZLW3LR"
    assert result.config["sasl.password"].startswith("M9T8b85OPspFAS37")
    assert result.config["client.dns.lookup"] == "use_all_dns_ips"
    assert "sasl.jaas.config" not in result.config


def test_consumer_property_in_producer_is_ignored_with_a_warning_on_its_line() -> None:
    result = translate_text(MANAGED_EXAMPLE)
    assert "session.timeout.ms" not in result.config
    assert [(w.property, w.line) for w in result.warnings] == [("session.timeout.ms", 6)]


def test_serializers_are_ignored_with_a_warning() -> None:
    result = translate({"bootstrap.servers": "k:9092", "key.serializer": "x.StringSerializer"})
    assert result.ok
    assert "key.serializer" not in result.config
    assert "key.serializer" in messages(result.warnings)


def test_parser_reads_comments_colons_spaces_and_continuations() -> None:
    parsed = parse_properties(
        "# a comment\n! another\n\n  bootstrap.servers : a:1,\\\n    b:2\nlinger.ms   =  5\n"
    )
    assert parsed.values == {"bootstrap.servers": "a:1,b:2", "linger.ms": "5"}
    assert parsed.lines == {"bootstrap.servers": 4, "linger.ms": 6}


def test_a_line_without_separator_is_an_error_with_its_line_number() -> None:
    result = translate_text("bootstrap.servers=k:9092\n\nnonsense\n")
    assert [str(e) for e in result.errors] == ["line 3: [nonsense] is not a key=value line."]


def test_double_quoted_jaas_with_extra_spaces_is_read() -> None:
    result = translate(
        {
            "security.protocol": "SASL_SSL",
            "sasl.jaas.config": "org.apache.kafka.common.security.plain.PlainLoginModule "
            ' required\tusername = "u"  password="p w";',
        }
    )
    assert result.ok, messages(result.errors)
    assert (result.config["sasl.username"], result.config["sasl.password"]) == ("u", "p w")


def test_scram_needs_its_mechanism_and_takes_it() -> None:
    line = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required"
        " username='u' password='p';"
    )
    missing = translate({"security.protocol": "SASL_SSL", "sasl.jaas.config": line})
    assert [e.property for e in missing.errors] == ["sasl.mechanism"]
    given = translate(
        {
            "security.protocol": "SASL_SSL",
            "sasl.jaas.config": line,
            "sasl.mechanism": "SCRAM-SHA-512",
        }
    )
    assert given.ok and given.config["sasl.mechanism"] == "SCRAM-SHA-512"


def test_oauthbearer_with_token_endpoint_becomes_oidc_settings() -> None:
    result = translate(
        {
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "OAUTHBEARER",
            "sasl.oauthbearer.token.endpoint.url": "https://idp.example.com/token",
            "sasl.jaas.config": "org.apache.kafka.common.security.oauthbearer."
            "OAuthBearerLoginModule required clientId='c' clientSecret='s' scope='kafka'"
            " extension_logicalCluster='lkc-1';",
        }
    )
    assert result.ok, messages(result.errors)
    assert result.config["sasl.oauthbearer.method"] == "oidc"
    assert result.config["sasl.oauthbearer.client.id"] == "c"
    assert result.config["sasl.oauthbearer.client.secret"] == "s"
    assert result.config["sasl.oauthbearer.scope"] == "kafka"
    assert result.config["sasl.oauthbearer.extensions"] == "logicalCluster=lkc-1"


def test_unknown_login_module_is_an_error_naming_sasl_jaas_config() -> None:
    result = translate(
        {"security.protocol": "SASL_SSL", "sasl.jaas.config": "com.example.Custom required;"}
    )
    assert [e.property for e in result.errors] == ["sasl.jaas.config"]


def test_pem_truststore_location_becomes_ca_location() -> None:
    result = translate({"ssl.truststore.type": "PEM", "ssl.truststore.location": "/ca.pem"})
    assert result.ok and result.config["ssl.ca.location"] == "/ca.pem"


def test_pem_truststore_certificates_become_ca_pem() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    result = translate({"ssl.truststore.type": "PEM", "ssl.truststore.certificates": pem})
    assert result.ok and result.config["ssl.ca.pem"] == pem


def test_jks_truststore_is_an_error_naming_the_property() -> None:
    result = translate({"ssl.truststore.location": "/trust.jks", "ssl.truststore.password": "x"})
    assert [e.property for e in result.errors] == ["ssl.truststore.location"]
    assert "JKS" in result.errors[0].message


def test_unknown_property_suggests_the_close_name() -> None:
    result = translate({"bootstrap.server": "k:9092"})
    assert "Did you mean [bootstrap.servers]?" in result.errors[0].message


def test_non_numeric_timeout_is_an_error_naming_it() -> None:
    result = translate({"request.timeout.ms": "2s"})
    assert [e.property for e in result.errors] == ["request.timeout.ms"]


def test_non_numeric_max_block_ms_is_an_error() -> None:
    result = translate({"max.block.ms": "soon"})
    assert [e.property for e in result.errors] == ["max.block.ms"]


def test_unknown_security_protocol_is_an_error_naming_it() -> None:
    result = translate({"security.protocol": "TLS"})
    assert [e.property for e in result.errors] == ["security.protocol"]


def test_client_dns_lookup_passes_to_librdkafka() -> None:
    result = translate({"client.dns.lookup": "resolve_canonical_bootstrap_servers_only"})
    assert result.config["client.dns.lookup"] == "resolve_canonical_bootstrap_servers_only"


def test_producer_is_always_idempotent_with_acks_all() -> None:
    result = translate({"acks": "1", "enable.idempotence": "false"})
    assert (result.config["acks"], result.config["enable.idempotence"]) == ("all", "true")
    assert {w.property for w in result.warnings} == {"acks", "enable.idempotence"}


def test_consumer_role_ignores_producer_properties_and_keeps_consumer_ones() -> None:
    result = translate(
        {"group.id": "g", "session.timeout.ms": "45000", "acks": "all", "fetch.max.wait.ms": "50"},
        role="consumer",
    )
    assert result.ok
    assert result.config == {
        "group.id": "g",
        "session.timeout.ms": "45000",
        "fetch.wait.max.ms": "50",
    }
    assert [w.property for w in result.warnings] == ["acks"]


def test_masking_hides_the_jaas_password_and_secret_properties() -> None:
    stored = parse_properties(MANAGED_EXAMPLE).values | {"ssl.key.password": "kp"}
    masked = mask_properties(stored)
    assert "M9T8b85" not in str(masked)
    assert f"password='{MASK}'" in masked["sasl.jaas.config"]
    assert "username='ZN6LJ5UHSXZLW3LR'" in masked["sasl.jaas.config"]
    assert masked["ssl.key.password"] == MASK


def test_masked_values_sent_back_keep_the_stored_secrets() -> None:
    stored = parse_properties(MANAGED_EXAMPLE).values | {"ssl.key.password": "kp"}
    assert restore_secrets(mask_properties(stored), stored) == stored


def test_a_new_secret_replaces_the_stored_one() -> None:
    stored = {"ssl.key.password": "old"}
    assert restore_secrets({"ssl.key.password": "new"}, stored) == {"ssl.key.password": "new"}
