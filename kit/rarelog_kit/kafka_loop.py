"""Exactly-once consume-transform-produce, as plain as the protocol allows.

One Kafka transaction per batch holds the batch's outputs, its dead letters and the input
offsets. A crash anywhere leaves either all of it or none of it; a restarted instance with
the same transactional id fences its predecessor and aborts what it left open.
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Protocol

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from . import telemetry
from .health import Health, Metrics
from .messages import Inbound, Outbound, Reason, Unavailable, dead_letter
from .settings import ServiceSettings
from .watch import IdleProbe, LagWatch

log = logging.getLogger(__name__)

TRANSACTION_TIMEOUT_MS = 60_000


class Processor(Protocol):
    """A service's adapter: turns one input message into output messages (dead letters included).

    It may also have `on_commit()`, called after each committed transaction (its outputs are
    durable: a moment to checkpoint local state). Optional, so not declared here: a Protocol
    member would be required of every service; the loop looks it up and calls it if present."""

    def on_start(self) -> None:
        """Called once the producer owns its transactional id: load state here."""

    def process(self, message: Inbound) -> list[Outbound]: ...

    def on_abort(self) -> None:
        """A transaction was aborted: forget any state its messages changed."""


def to_inbound(msg: Message) -> Inbound:
    ts_type, ts = msg.timestamp()
    return Inbound(msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value(),
                   ts if ts_type else int(time.time() * 1000), tuple(msg.headers() or ()))


def client_error_callback(health: Health, on_all_brokers_down=None):
    """librdkafka reports a lost broker through this callback, not through exceptions."""
    def on_error(err: KafkaError) -> None:
        if err.code() in (KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT):
            health.set_ready(False, "Kafka broker unreachable")
        if err.code() == KafkaError._ALL_BROKERS_DOWN and on_all_brokers_down is not None:
            on_all_brokers_down()
        log.warning("kafka client error", extra={"kafka_error": err.name()})
    return on_error


def usable(msgs: list[Message]) -> list[Message]:
    """The messages of a consume() call, without error events (fatal ones are raised)."""
    batch = []
    for m in msgs:
        err = m.error()
        if err is None:
            batch.append(m)
        elif err.fatal() or err.code() == KafkaError._FATAL:  # the client is dead: exit, to be restarted
            raise KafkaException(err)
        else:
            log.warning("consumer error", extra={"kafka_error": err.name()})
    return batch


def next_offsets(batch: list[Message]) -> list[TopicPartition]:
    last: dict[tuple[str, int], int] = {}
    for m in batch:
        last[(m.topic(), m.partition())] = max(last.get((m.topic(), m.partition()), -1), m.offset())
    return [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]


class ClientWedged(RuntimeError):
    """A client call outlived its own timeout. librdkafka can wait forever for a group
    coordinator it cached before the broker restarted (send_offsets_to_transaction ignores its
    timeout then): the only way on is new clients."""


def bounded(call, timeout_s: float, what: str):
    """`call()` in a helper thread, given `timeout_s` to return (its own errors are re-raised);
    returns what it returned."""
    failure: list[BaseException] = []
    result: list = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=run, name=f"kafka-{what}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise ClientWedged(f"{what} has not returned after {timeout_s:.0f} s")
    if failure:
        raise failure[0]
    return result[0]


class TransactionalLoop:
    def __init__(self, settings: ServiceSettings, service: str, inputs: list[str], processor: Processor,
                 health: Health, metrics: Metrics) -> None:
        self.settings, self.service, self.inputs = settings, service, inputs
        self.processor, self.health, self.metrics = processor, health, metrics
        self.dlq_of = {t: t + ".dlq" for t in inputs}
        self.consumer, self.producer = self._clients()

    def _clients(self) -> tuple[Consumer, Producer]:
        settings, service, health = self.settings, self.service, self.health
        self.brokers_were_down = False

        def lost() -> None:
            self.brokers_were_down = True

        common = settings.kafka_common()
        consumer = Consumer({
            **common,
            **settings.group_member(service),
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest",
            "error_cb": client_error_callback(health, lost),
        })
        producer = Producer({
            **common,
            "transactional.id": f"{settings.topic_prefix}rarelog-{service}-{settings.instance_id}",
            "enable.idempotence": True,
            "linger.ms": 5,
            "transaction.timeout.ms": TRANSACTION_TIMEOUT_MS,
            "error_cb": client_error_callback(health, lost),
        })
        return consumer, producer

    def run(self, stop: threading.Event) -> None:
        self._retry(lambda: self.producer.init_transactions(30), stop, "initialising transactions")
        with self.health.working("loading state"):
            self.processor.on_start()
        self.consumer.subscribe(self.inputs)
        log.info("consuming", extra={"topics": self.inputs})
        try:
            while not stop.is_set():
                self._consume(stop, IdleProbe(self.consumer, self.inputs, self.health),
                              LagWatch(self.consumer, self.metrics.lag))
        finally:
            self.consumer.close()
            self.producer.flush(10)

    def _consume(self, stop: threading.Event, probe: IdleProbe, lag: LagWatch) -> None:
        """Until stopped, or until the clients had to be replaced (returns)."""
        while not stop.is_set():
            self.health.beat()
            lag.update()
            msgs = self.consumer.consume(self.settings.batch_size, self.settings.poll_timeout_s)
            batch = usable(msgs)
            if batch and self.brokers_were_down:
                # The broker is back, but clients that lost it may keep a stale coordinator
                # (see ClientWedged): start afresh before the next transaction, not after a stall.
                self._replace_clients(stop, "the broker was unreachable")
                return
            if batch:
                with self.metrics.batch_seconds.time():
                    try:
                        self._transact(batch, stop)
                    except ClientWedged as exc:
                        self._replace_clients(stop, str(exc))
                        return
            elif not msgs and probe.idle() and self.brokers_were_down:
                # Back, but an idle consumer that lost the broker may never fetch again (a stale
                # group coordinator, as for the producer): start afresh now, not on a batch.
                self._replace_clients(stop, "the broker was unreachable")
                return

    def _replace_clients(self, stop: threading.Event, why: str) -> None:
        """New clients under the same transactional id: initialising them fences the wedged producer
        and aborts its open transaction, and the batch is read again from the committed offsets."""
        log.warning("replacing the Kafka clients", extra={"reason": why})
        self.health.set_ready(False, f"replacing the Kafka clients: {why}")
        old = self.consumer
        try:
            bounded(old.close, 30, "closing the consumer")  # leave the group now, not at session timeout
        except ClientWedged:
            log.warning("the old consumer did not close; its group session will expire")
        self.consumer, self.producer = self._clients()  # the wedged producer stays with its stuck thread
        self._retry(lambda: self.producer.init_transactions(30), stop, "initialising transactions")
        with self.health.working("reloading state"):
            self.processor.on_abort()
        self.consumer.subscribe(self.inputs)

    def _transact(self, batch: list[Message], stop: threading.Event) -> None:
        while True:
            try:
                self.producer.begin_transaction()
                outcomes = [self._process_one(m) for m in batch]
                for outs in outcomes:
                    for out in outs:
                        self._produce(out)
                offsets, group = next_offsets(batch), self.consumer.consumer_group_metadata()
                bounded(lambda: self.producer.send_offsets_to_transaction(offsets, group, 30),
                        35, "sending offsets to the transaction")  # its own timeout, and a margin
                self._retry(lambda: self.producer.commit_transaction(30), stop, "committing")
                self.health.set_ready(True)
                for outs in outcomes:
                    for out in outs:
                        self._count(out)
                self.metrics.observe_latency(m.timestamp()[1] for m in batch)
                break
            except (KafkaException, Unavailable) as exc:
                if isinstance(exc, Unavailable):
                    why = str(exc)
                else:
                    err: KafkaError = exc.args[0]
                    if err.fatal() or not err.txn_requires_abort() and not err.retriable():
                        raise
                    why = err.name()
                log.warning("transaction aborted, batch will be processed again", extra={"kafka_error": why})
                self.health.set_ready(False, f"transaction aborted: {why}")
                self._retry(lambda: self.producer.abort_transaction(30), stop, "aborting")
                with self.health.working("reloading state after an abort"):
                    self.processor.on_abort()
                if stop.is_set():
                    return
                time.sleep(1)
        # Outside the try: an error here must not be taken for a failed transaction and aborted.
        on_commit = getattr(self.processor, "on_commit", None)
        if on_commit is not None:
            on_commit()

    def _process_one(self, m: Message) -> list[Outbound]:
        message = to_inbound(m)
        with telemetry.handling(self.service, message):
            return telemetry.traced(self._outputs_of(message))

    def _outputs_of(self, message: Inbound) -> list[Outbound]:
        try:
            return self.processor.process(message)
        except Unavailable:
            raise  # not the message's fault: the batch is retried (_transact)
        except Exception as exc:  # a bug must not stall the partition: park the message, say why
            log.error("processing failed; message dead-lettered",
                      extra={"error_class": type(exc).__name__, "topic": message.topic,
                             "partition": message.partition, "offset": message.offset,
                             "trace": "".join(traceback.format_tb(exc.__traceback__))})
            reason = Reason("processing-error", f"{self.service} failed on this message: {type(exc).__name__}")
            return [dead_letter(message, self.dlq_of[message.topic], self.service, [reason])]

    def _produce(self, out: Outbound) -> None:
        while True:
            try:
                self.producer.produce(out.topic, out.value, out.key, headers=list(out.headers))
                return
            except BufferError:
                self.producer.poll(0.05)

    def _count(self, out: Outbound) -> None:
        if out.topic.endswith(".dlq"):
            code = dict(out.headers).get("x-dlq-error-class", b"unknown").decode()
            self.metrics.rejected.labels(reason=code).inc()
            self.metrics.processed.labels(outcome="dead-lettered").inc()
        else:
            self.metrics.processed.labels(outcome="produced").inc()

    def _retry(self, call, stop: threading.Event, what: str) -> None:
        """Retry retriable errors with backoff (a broker away is not a reason to give up)."""
        delay = 0.5
        while True:
            try:
                call()
                return
            except KafkaException as exc:
                err: KafkaError = exc.args[0]
                if not err.retriable() or stop.is_set():
                    raise
                self.health.set_ready(False, f"{what}: {err.name()}")
                log.warning("retrying", extra={"during": what, "kafka_error": err.name()})
                time.sleep(delay)
                delay = min(delay * 2, 10)
