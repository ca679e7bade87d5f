"""Fraud queue, its dead-letter queue and the alert topic, all CMK-encrypted and TLS-only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf import Fn
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from cdktf_cdktf_provider_aws.sqs_queue_redrive_allow_policy import SqsQueueRedriveAllowPolicy
from constructs import Construct

from modules.aws_context import AwsContext
from modules.iam import Condition, PolicyStatement, Principal, policy_document
from modules.tls_only import deny_insecure_transport

FOURTEEN_DAYS = 14 * 24 * 3600


@dataclass(frozen=True, kw_only=True)
class ServiceSender:
    """An AWS service allowed to deliver into the DLQ, from one source ARN only."""

    service_principal: str
    """e.g. events.amazonaws.com."""
    source_arn: str
    """The one resource (e.g. an EventBridge rule) whose deliveries are accepted."""


@dataclass(frozen=True, kw_only=True)
class MessagingProps:
    """Settings of the queues and the topic."""

    queue_name: str
    """Fraud queue name."""
    dlq_name: str
    """Dead-letter queue name."""
    topic_name: str
    """Alert topic name."""
    kms_key_arn: str
    """CMK for queues and topic."""
    context: AwsContext
    """Account used in resource-policy conditions."""
    visibility_timeout_seconds: int = 360
    """Fraud queue visibility timeout (>= 6x the consumer's timeout plus batch window)."""
    max_receive_count: int = 3
    """Receives before a message moves to the DLQ."""
    dlq_retention_seconds: int = FOURTEEN_DAYS
    """How long failed messages are kept for inspection and redrive (the maximum)."""
    dlq_senders: Sequence[ServiceSender] = field(default_factory=tuple)
    """Services delivering failures into the DLQ through its resource policy."""
    alert_email: str | None = None
    """Optional e-mail subscription of the alert topic."""
    redrive_allow_policy: bool = True
    """Let only the fraud queue redrive into the DLQ. Only an emulator that does not store redrive
    allow policies turns this off (see stacks/emulator.py)."""
    alarm_source_arns: Sequence[str] = field(default_factory=tuple)
    """CloudWatch alarms allowed to publish to the alert topic (aws:SourceArn, ArnLike patterns
    allowed): this environment's alarms only, so another environment's alarms in a shared account
    cannot page this environment's on-call."""
    fraud_queue_senders: Sequence[str] = field(default_factory=tuple)
    """Role ARNs allowed to send into the fraud queue (aws:PrincipalArn): the analyzer's role and
    the operators' redrive role. More can be admitted with `Messaging.admit_fraud_queue_senders`."""

    def __post_init__(self) -> None:
        if not 0 <= self.visibility_timeout_seconds <= 43_200:
            raise ValueError("visibility_timeout_seconds must be 0..43200")
        if not 1 <= self.max_receive_count <= 1000:
            raise ValueError("max_receive_count must be 1..1000")
        if not 60 <= self.dlq_retention_seconds <= FOURTEEN_DAYS:
            raise ValueError("dlq_retention_seconds must be 60..1209600")


class Messaging(Construct):
    """Fraud queue redriving to a DLQ after `max_receive_count` receives, the DLQ (accepting
    redrives from the fraud queue only), and the alert topic that alarms and the notifier publish to.

    Attributes: `queue`, `dlq`, `topic`; the literal names `queue_name`, `dlq_name`, `topic_name`
    (known at synth: dashboards need them as plain JSON); references `queue_arn`, `queue_url`,
    `dlq_arn`, `dlq_url`, `topic_arn`.
    """

    def __init__(self, scope: Construct, id_: str, props: MessagingProps) -> None:
        super().__init__(scope, id_)
        self.queue_name = props.queue_name
        """Name of the fraud queue (a literal)."""
        self.dlq_name = props.dlq_name
        """Name of the dead-letter queue (a literal)."""
        self.topic_name = props.topic_name
        """Name of the alert topic (a literal)."""
        account = [props.context.account_id]
        self.dlq = SqsQueue(
            self,
            "dlq",
            name=props.dlq_name,
            message_retention_seconds=props.dlq_retention_seconds,
            kms_master_key_id=props.kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
        )
        self.queue = SqsQueue(
            self,
            "queue",
            name=props.queue_name,
            visibility_timeout_seconds=props.visibility_timeout_seconds,
            message_retention_seconds=4 * 24 * 3600,
            kms_master_key_id=props.kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            redrive_policy=Fn.jsonencode(
                {"deadLetterTargetArn": self.dlq.arn, "maxReceiveCount": props.max_receive_count}
            ),
        )
        # Separate resource: the DLQ cannot name the fraud queue in its own arguments (a cycle).
        if props.redrive_allow_policy:
            SqsQueueRedriveAllowPolicy(
                self,
                "dlq-redrive-allow",
                queue_url=self.dlq.url,
                redrive_allow_policy=Fn.jsonencode(
                    {"redrivePermission": "byQueue", "sourceQueueArns": [self.queue.arn]}
                ),
            )
        self._queue_senders = list(props.fraud_queue_senders)
        self._queue_doc = policy_document(self, "queue-policy-doc", self._queue_statements())
        SqsQueuePolicy(self, "queue-policy", queue_url=self.queue.url, policy=self._queue_doc.json)

        dlq_statements = [deny_insecure_transport("sqs", [self.dlq.arn])]
        for index, sender in enumerate(props.dlq_senders):
            dlq_statements.append(
                PolicyStatement(
                    sid=f"ServiceDelivery{index}",
                    actions=["sqs:SendMessage"],
                    resources=[self.dlq.arn],
                    principals=[Principal(type="Service", identifiers=[sender.service_principal])],
                    conditions=[Condition(test="ArnEquals", variable="aws:SourceArn", values=[sender.source_arn])],
                )
            )
        dlq_doc = policy_document(self, "dlq-policy-doc", dlq_statements)
        SqsQueuePolicy(self, "dlq-policy", queue_url=self.dlq.url, policy=dlq_doc.json)

        self.topic = SnsTopic(self, "topic", name=props.topic_name, kms_master_key_id=props.kms_key_arn)
        topic_statements = [deny_insecure_transport("sns", [self.topic.arn])]
        if props.alarm_source_arns:
            topic_statements.append(PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                actions=["sns:Publish"],
                resources=[self.topic.arn],
                principals=[Principal(type="Service", identifiers=[props.context.service_principal("cloudwatch")])],
                conditions=[
                    Condition(test="StringEquals", variable="aws:SourceAccount", values=account),
                    Condition(test="ArnLike", variable="aws:SourceArn", values=list(props.alarm_source_arns)),
                ],
            ))
        topic_doc = policy_document(self, "topic-policy-doc", topic_statements)
        SnsTopicPolicy(self, "topic-policy", arn=self.topic.arn, policy=topic_doc.json)
        if props.alert_email:
            SnsTopicSubscription(
                self, "email", topic_arn=self.topic.arn, protocol="email", endpoint=props.alert_email
            )

    def admit_fraud_queue_senders(self, role_arns: Sequence[str]) -> None:
        """Let `role_arns` send into the fraud queue too (for roles created after the queue, such as
        the analyzer's, whose function needs the queue's URL)."""
        self._queue_senders.extend(role_arns)
        self._queue_doc.put_statement([s.render() for s in self._queue_statements()])

    def _queue_statements(self) -> list[PolicyStatement]:
        # An IAM policy in this account granting sqs:SendMessage on "*" would otherwise be enough to
        # inject decisions the notifier turns into alerts. Without admitted senders, nobody sends.
        admitted = [Condition(test="ArnNotEquals", variable="aws:PrincipalArn", values=list(self._queue_senders))]
        statements = [
            deny_insecure_transport("sqs", [self.queue.arn]),
            PolicyStatement(
                sid="OnlyAdmittedSenders",
                effect="Deny",
                actions=["sqs:SendMessage"],
                resources=[self.queue.arn],
                principals=[Principal(type="AWS", identifiers=["*"])],
                conditions=admitted if self._queue_senders else [],
            ),
        ]
        return statements

    @property
    def queue_arn(self) -> str:
        """ARN of the fraud queue."""
        return self.queue.arn

    @property
    def queue_url(self) -> str:
        """URL of the fraud queue."""
        return self.queue.url

    @property
    def dlq_arn(self) -> str:
        """ARN of the dead-letter queue."""
        return self.dlq.arn

    @property
    def dlq_url(self) -> str:
        """URL of the dead-letter queue."""
        return self.dlq.url

    @property
    def topic_arn(self) -> str:
        """ARN of the alert topic."""
        return self.topic.arn

    def grant_send(self) -> list[PolicyStatement]:
        """Sending to the fraud queue (SendMessageBatch is authorized as SendMessage)."""
        return [PolicyStatement(sid="FraudQueueSend", actions=["sqs:SendMessage"], resources=[self.queue_arn])]

    def grant_consume(self) -> list[PolicyStatement]:
        """What the Lambda service needs, in the consumer's role, to poll the fraud queue."""
        return [
            PolicyStatement(
                sid="FraudQueueConsume",
                actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                resources=[self.queue_arn],
            )
        ]

    def grant_dlq_send(self) -> list[PolicyStatement]:
        """Sending failure records into the DLQ (failure destinations)."""
        return [PolicyStatement(sid="DeadLetterSend", actions=["sqs:SendMessage"], resources=[self.dlq_arn])]

    def grant_publish(self) -> list[PolicyStatement]:
        """Publishing alerts to the topic."""
        return [PolicyStatement(sid="AlertTopicPublish", actions=["sns:Publish"], resources=[self.topic_arn])]
