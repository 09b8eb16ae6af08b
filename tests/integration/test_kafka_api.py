"""/api/integration: FusionAuth's shape, idstream's extensions, validation that saves nothing
on error, and producer secrets that never leave the server."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from idstream.db import Database
from idstream.kafka.properties import MASK
from idstream.system.models import Setting

PASSWORD = "M9T8b85OPspFAS37Do5Baq7jIS+hl7h7bY8MRrfVff5lz8xeCwea7zB5AC3nKXUD"
MANAGED = {
    "bootstrap.servers": "pkc-6ojv2.us-west4.gcp.your-kafka-provider.cloud:9092",
    "client.dns.lookup": "use_all_dns_ips",
    "sasl.jaas.config": "org.apache.kafka.common.security.plain.PlainLoginModule   required "
    f"username='ZN6LJ5UHSXZLW3LR'   password='{PASSWORD}';",
    "sasl.mechanism": "PLAIN",
    "security.protocol": "SASL_SSL",
    "session.timeout.ms": "45000",
}


def kafka(**fields: Any) -> dict[str, Any]:
    return {"integrations": {"kafka": fields}}


def stored(database: Database) -> dict[str, Any] | None:
    with database.read() as session:
        setting = session.get(Setting, "integrations")
        return None if setting is None else setting.doc


def test_defaults_when_never_set(client: TestClient) -> None:
    response = client.get("/api/integration")
    assert response.status_code == 200
    doc = response.json()["integrations"]["kafka"]
    assert doc["enabled"] is False
    assert doc["producer"] == {
        "bootstrap.servers": "localhost:9092",
        "max.block.ms": "5000",
        "request.timeout.ms": "2000",
    }
    assert (doc["key"], doc["format"], doc["tenantEventsRequireWebhook"]) == (
        "user",
        "fusionauth",
        False,
    )
    assert doc["eventsEnabled"]["user.create"] is True


def test_managed_example_is_saved_with_its_password_masked(
    client: TestClient, database: Database
) -> None:
    response = client.put(
        "/api/integration", json=kafka(enabled=True, defaultTopic="fa-events", producer=MANAGED)
    )
    assert response.status_code == 200, response.text
    assert PASSWORD not in response.text
    assert (
        f"password='{MASK}'"
        in response.json()["integrations"]["kafka"]["producer"]["sasl.jaas.config"]
    )
    assert PASSWORD not in client.get("/api/integration").text
    doc = stored(database)
    assert doc is not None and PASSWORD in doc["kafka"]["producer"]["sasl.jaas.config"]


def test_consumer_property_is_saved_with_a_warning(client: TestClient) -> None:
    response = client.put(
        "/api/integration", json=kafka(enabled=True, defaultTopic="fa-events", producer=MANAGED)
    )
    warnings = response.json()["integrations"]["kafka"]["warnings"]
    assert any("session.timeout.ms" in w for w in warnings)


def test_masked_secret_sent_back_keeps_the_stored_one(
    client: TestClient, database: Database
) -> None:
    producer = {**MANAGED, "ssl.key.password": "key-secret"}
    client.put("/api/integration", json=kafka(enabled=True, defaultTopic="a", producer=producer))
    shown = client.get("/api/integration").json()
    shown["integrations"]["kafka"]["defaultTopic"] = "b"
    response = client.put("/api/integration", json=shown)
    assert response.status_code == 200, response.text
    doc = stored(database)
    assert doc is not None
    assert doc["kafka"]["defaultTopic"] == "b"
    assert doc["kafka"]["producer"]["ssl.key.password"] == "key-secret"
    assert PASSWORD in doc["kafka"]["producer"]["sasl.jaas.config"]


def test_enabled_without_default_topic_is_blank_and_saves_nothing(
    client: TestClient, database: Database
) -> None:
    response = client.put("/api/integration", json=kafka(enabled=True))
    assert response.status_code == 400
    fields = response.json()["fieldErrors"]
    assert fields["integrations.kafka.defaultTopic"][0]["code"] == (
        "[blank]integrations.kafka.defaultTopic"
    )
    assert stored(database) is None


def test_enabled_without_bootstrap_servers_is_blank(client: TestClient) -> None:
    response = client.put(
        "/api/integration",
        json=kafka(enabled=True, defaultTopic="t", producer={"bootstrap.servers": " "}),
    )
    assert response.status_code == 400
    assert "integrations.kafka.producer.bootstrap.servers" in response.json()["fieldErrors"]


def test_unknown_property_is_a_400_with_a_suggestion_and_saves_nothing(
    client: TestClient, database: Database
) -> None:
    response = client.put(
        "/api/integration",
        json=kafka(enabled=False, producer={"bootstrap.server": "k:9092"}),
    )
    assert response.status_code == 400
    errors = response.json()["fieldErrors"]["integrations.kafka.producer.bootstrap.server"]
    assert "Did you mean [bootstrap.servers]?" in errors[0]["message"]
    assert stored(database) is None


def test_jks_truststore_is_a_400_naming_the_property(client: TestClient) -> None:
    producer = {"bootstrap.servers": "k:9093", "ssl.truststore.location": "/etc/trust.jks"}
    response = client.put("/api/integration", json=kafka(producer=producer))
    assert response.status_code == 400
    assert "integrations.kafka.producer.ssl.truststore.location" in response.json()["fieldErrors"]


def test_non_numeric_timeout_is_a_400_naming_the_property(client: TestClient) -> None:
    producer = {"bootstrap.servers": "k:9092", "request.timeout.ms": "two seconds"}
    response = client.put("/api/integration", json=kafka(producer=producer))
    assert response.status_code == 400
    assert "integrations.kafka.producer.request.timeout.ms" in response.json()["fieldErrors"]


def test_extensions_are_validated(client: TestClient) -> None:
    response = client.put(
        "/api/integration",
        json=kafka(
            key="email",
            format="avro",
            topics={"user.nothing.*": "t", "user.login.*": "bad topic"},
            eventsEnabled={"user.nope": True},
        ),
    )
    assert response.status_code == 400
    fields = set(response.json()["fieldErrors"])
    assert {
        "integrations.kafka.key",
        "integrations.kafka.format",
        "integrations.kafka.topics.user.nothing.*",
        "integrations.kafka.topics.user.login.*",
        "integrations.kafka.eventsEnabled.user.nope",
    } <= fields


def test_patch_changes_only_what_it_names(client: TestClient) -> None:
    client.put(
        "/api/integration",
        json=kafka(enabled=True, defaultTopic="a", topics={"user.login.*": "logins"}),
    )
    response = client.patch("/api/integration", json=kafka(key="tenant"))
    assert response.status_code == 200, response.text
    doc = response.json()["integrations"]["kafka"]
    assert (doc["defaultTopic"], doc["key"], doc["topics"]) == (
        "a",
        "tenant",
        {"user.login.*": "logins"},
    )


def test_a_missing_integrations_object_is_a_400(client: TestClient) -> None:
    response = client.put("/api/integration", json={"kafka": {}})
    assert response.status_code == 400
    assert "integrations" in response.json()["fieldErrors"]
