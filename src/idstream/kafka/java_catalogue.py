"""The Java Kafka client's property names that librdkafka does not share: what each becomes,
or why it is ignored. Names librdkafka also has pass through unchanged (librdkafka_catalogue)."""

from __future__ import annotations

# Java name -> librdkafka name, same meaning and unit.
RENAMED: dict[str, str] = {
    "fetch.max.wait.ms": "fetch.wait.max.ms",
    "max.request.size": "message.max.bytes",
    "compression.gzip.level": "compression.level",
    "compression.lz4.level": "compression.level",
    "compression.zstd.level": "compression.level",
}

# Java sizes where -1 means "the operating system's default", which librdkafka writes 0.
SOCKET_BUFFERS: dict[str, str] = {
    "send.buffer.bytes": "socket.send.buffer.bytes",
    "receive.buffer.bytes": "socket.receive.buffer.bytes",
}

# Java-only names and the role that reads them ("P" producer, "C" consumer, "*" both).
JAVA_ONLY_ROLE: dict[str, str] = {
    "buffer.memory": "P",
    "max.block.ms": "P",
    "key.serializer": "P",
    "value.serializer": "P",
    "partitioner.class": "P",
    "partitioner.adaptive.partitioning.enable": "P",
    "partitioner.availability.timeout.ms": "P",
    "partitioner.ignore.keys": "P",
    "key.deserializer": "C",
    "value.deserializer": "C",
    "default.api.timeout.ms": "C",
    "exclude.internal.topics": "C",
    "fetch.max.wait.ms": "C",
    "max.request.size": "P",
    "compression.gzip.level": "P",
    "compression.lz4.level": "P",
    "compression.zstd.level": "P",
    "send.buffer.bytes": "*",
    "receive.buffer.bytes": "*",
}

SERIALIZERS = frozenset({"key.serializer", "value.serializer"})
DESERIALIZERS = frozenset({"key.deserializer", "value.deserializer"})

# Java client settings with no librdkafka counterpart: accepted, ignored, and said so.
NO_EQUIVALENT: frozenset[str] = frozenset(
    {
        "auto.include.jmx.reporter",
        "interceptor.classes",
        "metadata.max.idle.ms",
        "metric.reporters",
        "metrics.num.samples",
        "metrics.recording.level",
        "metrics.sample.window.ms",
        "partitioner.adaptive.partitioning.enable",
        "partitioner.availability.timeout.ms",
        "partitioner.ignore.keys",
        "sasl.client.callback.handler.class",
        "sasl.kerberos.ticket.renew.jitter",
        "sasl.kerberos.ticket.renew.window.factor",
        "sasl.login.callback.handler.class",
        "sasl.login.class",
        "sasl.login.connect.timeout.ms",
        "sasl.login.read.timeout.ms",
        "sasl.login.refresh.buffer.seconds",
        "sasl.login.refresh.min.period.seconds",
        "sasl.login.refresh.window.factor",
        "sasl.login.refresh.window.jitter",
        "sasl.login.retry.backoff.max.ms",
        "sasl.login.retry.backoff.ms",
        "sasl.oauthbearer.clock.skew.seconds",
        "sasl.oauthbearer.expected.audience",
        "sasl.oauthbearer.expected.issuer",
        "sasl.oauthbearer.header.urlencode",
        "sasl.oauthbearer.jwks.endpoint.refresh.ms",
        "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
        "sasl.oauthbearer.jwks.endpoint.retry.backoff.ms",
        "sasl.oauthbearer.jwks.endpoint.url",
        "sasl.oauthbearer.scope.claim.name",
        "security.providers",
        "socket.connection.setup.timeout.max.ms",
        "ssl.enabled.protocols",
        "ssl.engine.factory.class",
        "ssl.keymanager.algorithm",
        "ssl.protocol",
        "ssl.provider",
        "ssl.secure.random.implementation",
        "ssl.trustmanager.algorithm",
        "exclude.internal.topics",
    }
)

# Translated as a group by properties.py (TLS stores, JAAS, idstream's own bound).
HANDLED: frozenset[str] = frozenset(
    {
        "sasl.jaas.config",
        "ssl.truststore.type",
        "ssl.truststore.location",
        "ssl.truststore.certificates",
        "ssl.truststore.password",
        "ssl.keystore.type",
        "ssl.keystore.location",
        "ssl.keystore.password",
        "ssl.keystore.key",
        "ssl.keystore.certificate.chain",
        "max.block.ms",
        "default.api.timeout.ms",
        "buffer.memory",
        "partitioner.class",
        "partition.assignment.strategy",
        "client.dns.lookup",
        "ssl.endpoint.identification.algorithm",
        "security.protocol",
        "sasl.mechanism",
    }
)

JAVA_NAMES: frozenset[str] = frozenset(
    set(RENAMED) | set(SOCKET_BUFFERS) | set(JAVA_ONLY_ROLE) | NO_EQUIVALENT | HANDLED
)

# The Java consumer's assignor classes and librdkafka's names for them.
ASSIGNORS: dict[str, str] = {
    "RangeAssignor": "range",
    "RoundRobinAssignor": "roundrobin",
    "CooperativeStickyAssignor": "cooperative-sticky",
}

# Java's default partitioner hashes keys with murmur2; librdkafka's murmur2_random does the
# same, so a user's events land on the partition a Java producer would pick.
JAVA_PARTITIONERS: dict[str, str] = {
    "org.apache.kafka.clients.producer.internals.DefaultPartitioner": "murmur2_random",
    "org.apache.kafka.clients.producer.UniformStickyPartitioner": "random",
    "org.apache.kafka.clients.producer.RoundRobinPartitioner": "random",
}

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER", "GSSAPI")

# Properties whose value is a credential: masked in every response, page and log.
SECRET_PROPERTIES: frozenset[str] = frozenset(
    {
        "sasl.password",
        "ssl.key.password",
        "ssl.keystore.password",
        "ssl.truststore.password",
        "ssl.keystore.key",
        "ssl.key.pem",
        "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.client.credentials.client.secret",
        "sasl.oauthbearer.assertion.private.key.passphrase",
        "sasl.oauthbearer.assertion.private.key.pem",
    }
)
